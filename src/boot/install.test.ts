import { describe, expect, it } from 'vitest';
import { biosGrubCommand } from './install.js';

describe('grub-install for BIOS', () => {
  it('runs with eatmydata preloaded when it is installed (its ~300 fsyncs are covered by the final flush)', () => {
    const disk = { target: '/run/ganeti-os/disk-x/root', device: '/dev/loop0' };
    const c = biosGrubCommand(disk, ['part_msdos', 'ext2'], { LD_PRELOAD: 'libeatmydata.so' });
    expect(c.cmd).toBe('grub-install');
    expect(c.env).toEqual({ LD_PRELOAD: 'libeatmydata.so' });
    expect(c.args).toContain('--boot-directory=/run/ganeti-os/disk-x/root/boot');
    expect(c.args).toContain('--modules=part_msdos ext2');
    expect(c.args.at(-1)).toBe('/dev/loop0');
    const plain = biosGrubCommand(disk, ['part_msdos'], undefined);
    expect(plain.cmd).toBe('grub-install');
    expect(plain.env).toBeUndefined();
  });
});
