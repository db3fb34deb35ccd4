import { describe, expect, it } from 'vitest';
import { biosGrubCommand } from './install.js';

describe('grub-install for BIOS', () => {
  it('runs through eatmydata when it is installed (its ~300 fsyncs are covered by the final flush)', () => {
    const disk = { target: '/run/ganeti-os/disk-x/root', device: '/dev/loop0' };
    const [cmd, args] = biosGrubCommand(disk, ['part_msdos', 'ext2'], true);
    expect(cmd).toBe('eatmydata');
    expect(args[0]).toBe('grub-install');
    expect(args).toContain('--boot-directory=/run/ganeti-os/disk-x/root/boot');
    expect(args).toContain('--modules=part_msdos ext2');
    expect(args.at(-1)).toBe('/dev/loop0');
    expect(biosGrubCommand(disk, ['part_msdos'], false)[0]).toBe('grub-install');
  });
});
