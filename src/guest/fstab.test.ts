import { describe, expect, it } from 'vitest';
import { isOsError } from '../runtime/errors.js';
import { describeEntries } from './describe.js';
import { fstabEscape, planFstab } from './fstab.js';

describe('fstab', () => {
  it('renders entries with default options and pass numbers', async () => {
    const e = planFstab([
      {
        spec: 'UUID=0b6c1e6a-0000-4000-8000-000000000001',
        mountpoint: '/',
        type: 'ext4',
        options: 'errors=remount-ro',
      },
      { spec: 'UUID=0b6c1e6a-0000-4000-8000-000000000002', mountpoint: '/srv/my data', type: 'xfs' },
      { spec: 'UUID=0b6c1e6a-0000-4000-8000-000000000003', mountpoint: 'none', type: 'swap', options: 'sw' },
      { spec: 'tmpfs', mountpoint: '/tmp', type: 'tmpfs', options: 'nosuid,nodev', dump: 0, pass: 0 },
    ]);
    await expect(describeEntries(e)).toMatchFileSnapshot('__golden__/fstab.txt');
  });

  it('renders an empty fstab', () => {
    expect(planFstab([])[0]!.content).toMatch(/<file system>.*\n$/);
  });

  it('escapes blanks', () => {
    expect(fstabEscape('a b\tc\\#')).toBe('a\\040b\\011c\\134\\043');
  });

  it('refuses a relative mount point', () => {
    let err: unknown;
    try {
      planFstab([{ spec: 'UUID=x', mountpoint: 'boot', type: 'ext4' }]);
    } catch (e) {
      err = e;
    }
    expect(isOsError(err) && err.code).toBe('E_FSTAB');
  });
});
