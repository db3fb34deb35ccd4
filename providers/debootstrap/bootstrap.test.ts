import { describe, expect, it } from 'vitest';
import { bootstrapFailureLine } from './bootstrap.js';

describe('bootstrapFailureLine', () => {
  it("picks apt's fetch error over mmdebstrap's last line", () => {
    const out = [
      'I: running apt-get update...',
      'Ign:1 http://127.0.0.1:9/debian bookworm InRelease',
      'Err:1 http://127.0.0.1:9/debian bookworm InRelease',
      '  Could not connect to 127.0.0.1:9 (127.0.0.1). - connect (111: Connection refused)',
      'E: Failed to fetch http://127.0.0.1:9/debian/dists/bookworm/InRelease  Could not connect to 127.0.0.1:9 (127.0.0.1). - connect (111: Connection refused)',
      'E: Some index files failed to download. They have been ignored, or old ones used instead.',
      'E: mmdebstrap failed to run',
    ].join('\n');
    expect(bootstrapFailureLine(out)).toMatch(/^E: Failed to fetch http:\/\/127\.0\.0\.1:9\/debian\/dists\/bookworm\/InRelease/);
  });

  it("picks debootstrap's release file error", () => {
    const out = 'I: Retrieving InRelease \nI: Retrieving Release \nE: Failed getting release file http://127.0.0.1:9/debian/dists/bookworm/Release\n';
    expect(bootstrapFailureLine(out)).toBe('E: Failed getting release file http://127.0.0.1:9/debian/dists/bookworm/Release');
  });

  it('falls back to the first error, then the last line', () => {
    expect(bootstrapFailureLine('I: x\nE: Unable to satisfy dependencies\nE: done\n')).toBe('E: Unable to satisfy dependencies');
    expect(bootstrapFailureLine('something odd\n\n')).toBe('something odd');
    expect(bootstrapFailureLine('')).toBe('no output');
  });
});
