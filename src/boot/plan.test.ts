import { describe, expect, it } from 'vitest';
import type { FormattedPartition } from '../disk/fstab.js';
import { planLayout } from '../disk/layout.js';
import { planBoot } from './plan.js';

const GiB = 1024 ** 3;
const files = ['vmlinuz-6.1.0-27-amd64', 'initrd.img-6.1.0-27-amd64'];

function parts(withBoot: boolean): FormattedPartition[] {
  return [
    { role: 'bios-boot', number: 1, device: '/dev/loop0p1', uuid: undefined, fstype: 'none' },
    { role: 'esp', number: 2, device: '/dev/loop0p2', uuid: 'E-1', fstype: 'vfat' },
    ...(withBoot
      ? [{ role: 'boot' as const, number: 3, device: '/dev/loop0p3', uuid: 'b-1', fstype: 'ext2' as const }]
      : []),
    { role: 'root', number: 4, device: '/dev/loop0p4', uuid: 'r-1', fstype: 'btrfs' },
  ];
}

describe('planBoot', () => {
  it('gpt boots BIOS and UEFI; grub.cfg and /etc/default/grub are written', () => {
    const p = planBoot(planLayout(GiB, { style: 'gpt', filesystem: 'btrfs' }), parts(false), files, {
      serialConsole: { port: 'ttyS0', speed: 115200 },
    });
    expect(p.firmware).toEqual(['bios', 'uefi']);
    expect(p.bootPrefix).toBe('/boot');
    expect(p.cmdline).toBe('root=UUID=r-1 ro console=tty0 console=ttyS0,115200n8');
    expect(p.files.map((f) => f.path)).toEqual(['/etc/default/grub', '/boot/grub/grub.cfg']);
    expect(p.files[1]!.content).toContain('insmod btrfs');
    expect(p.biosModules).toEqual(['part_gpt', 'btrfs', 'search_fs_uuid']);
    expect(p.earlyConfig).toContain('--set=root r-1');
  });
  it('a separate /boot is searched by its UUID with paths relative to it', () => {
    const p = planBoot(
      planLayout(GiB, { style: 'gpt', filesystem: 'btrfs', bootMiB: 128 }),
      parts(true),
      files,
    );
    expect(p.bootPrefix).toBe('');
    expect(p.files[1]!.content).toContain('search --no-floppy --fs-uuid --set=root b-1');
    expect(p.files[1]!.content).toContain('linux /vmlinuz-6.1.0-27-amd64 root=UUID=r-1 ro\n');
  });
  it('msdos is BIOS only; none boots nothing', () => {
    expect(
      planBoot(planLayout(GiB, { style: 'msdos', filesystem: 'ext4' }), parts(false), files).firmware,
    ).toEqual(['bios']);
    expect(
      planBoot(planLayout(GiB, { style: 'none', filesystem: 'ext4' }), parts(false), files).firmware,
    ).toEqual([]);
    expect(
      planBoot(planLayout(GiB, { style: 'gpt', filesystem: 'ext4' }), parts(false), files, {
        firmware: ['uefi'],
      }).firmware,
    ).toEqual(['uefi']);
  });
  it('needs a kernel', () => {
    expect(() => planBoot(planLayout(GiB, { style: 'gpt', filesystem: 'ext4' }), parts(false), [])).toThrow(
      /no kernel/,
    );
  });
});
