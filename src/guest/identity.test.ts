import { describe, expect, it } from 'vitest';
import { describeEntries } from './describe.test-helper.js';
import { newMachineId, planMachineId } from './identity.js';

describe('machine id', () => {
  it('is fresh each time and 32 hex digits', () => {
    const a = newMachineId();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(newMachineId()).not.toBe(a);
  });

  it('writes /etc/machine-id and links the dbus copy', async () => {
    await expect(describeEntries(planMachineId('0123456789abcdef0123456789abcdef'))).toMatchFileSnapshot(
      '__golden__/machine-id.txt',
    );
    expect(() => planMachineId('../x')).toThrow();
  });
});
