import { describe, expect, it } from 'vitest';
import { isOsError } from '../runtime/errors.js';
import { GPT_TYPES, planLayout, type LayoutConfig, type PartitionPlan } from './layout.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

function errorOf(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (isOsError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected an OsError');
}

function checkInvariants(plan: PartitionPlan): void {
  const parts = plan.partitions.filter((p) => p.number > 0);
  let prevEnd = 0;
  for (const p of parts) {
    expect(p.start % plan.alignment).toBe(0);
    expect(p.size % plan.alignment).toBe(0);
    expect(p.start).toBeGreaterThanOrEqual(prevEnd);
    prevEnd = p.start + p.size;
  }
  const limit = plan.style === 'gpt' ? plan.totalSectors - 34 : plan.totalSectors;
  expect(prevEnd).toBeLessThanOrEqual(limit);
  expect(plan.partitions.filter((p) => p.role === 'root')).toHaveLength(1);
}

describe('planLayout', () => {
  const styles = ['none', 'msdos', 'gpt'] as const;
  const filesystems = ['ext2', 'ext3', 'ext4', 'xfs', 'btrfs'] as const;
  for (const style of styles) {
    for (const filesystem of filesystems) {
      for (const extra of [
        {},
        { swapMiB: 128 },
        { bootMiB: 256 },
        { swapMiB: 64, bootMiB: 300 },
      ] as Partial<LayoutConfig>[]) {
        if (style === 'none' && Object.keys(extra).length > 0) continue;
        it(`${style} ${filesystem} ${JSON.stringify(extra)}`, () => {
          const plan = planLayout(2 * GiB, { style, filesystem, ...extra, bootFilesystem: 'ext4' });
          checkInvariants(plan);
          const roles = plan.partitions.map((p) => p.role);
          const expected = [
            ...(style === 'gpt' ? ['bios-boot', 'esp'] : []),
            ...(extra.bootMiB ? ['boot'] : []),
            ...(extra.swapMiB ? ['swap'] : []),
            'root',
          ];
          expect(roles).toEqual(expected);
          expect(plan.partitions.find((p) => p.role === 'root')!.content).toBe(filesystem);
          expect(plan.firmware).toEqual({ bios: style !== 'none', uefi: style === 'gpt' });
        });
      }
    }
  }

  it('gpt has a 1 MiB BIOS boot partition and a 64 MiB ESP by default, starting at 1 MiB', () => {
    const plan = planLayout(GiB, { style: 'gpt', filesystem: 'ext4' });
    expect(plan.partitions[0]).toMatchObject({
      number: 1,
      role: 'bios-boot',
      start: 2048,
      size: 2048,
      type: GPT_TYPES['bios-boot'],
    });
    expect(plan.partitions[1]).toMatchObject({
      number: 2,
      role: 'esp',
      start: 4096,
      size: 131072,
      type: GPT_TYPES.esp,
      content: 'vfat',
    });
    expect(plan.partitions[2]).toMatchObject({ number: 3, role: 'root', start: 135168 });
  });

  it('msdos marks /boot bootable, or root when there is no /boot', () => {
    expect(planLayout(GiB, { style: 'msdos', filesystem: 'ext4' }).partitions[0]).toMatchObject({
      role: 'root',
      bootable: true,
      type: '83',
    });
    const p = planLayout(GiB, { style: 'msdos', filesystem: 'ext4', bootMiB: 128, swapMiB: 64 }).partitions;
    expect(p.map((x) => [x.role, x.bootable, x.type])).toEqual([
      ['boot', true, '83'],
      ['swap', false, '82'],
      ['root', false, '83'],
    ]);
  });

  it('none puts the filesystem on the whole disk', () => {
    const plan = planLayout(GiB + 100, { style: 'none', filesystem: 'ext4' });
    expect(plan.partitions).toEqual([
      {
        number: 0,
        role: 'root',
        start: 0,
        size: 2097152,
        type: '',
        bootable: false,
        content: 'ext4',
        mountpoint: '/',
      },
    ]);
  });

  it('honours a custom alignment and ESP size', () => {
    const plan = planLayout(GiB, { style: 'gpt', filesystem: 'ext4', alignment: 8192, espMiB: 100 });
    checkInvariants(plan);
    expect(plan.partitions[0]!.start).toBe(8192);
    expect(plan.partitions[1]!.size).toBe(204800);
    const small = planLayout(GiB, { style: 'msdos', filesystem: 'ext4', alignment: 8 });
    expect(small.partitions[0]!.start).toBe(2048);
  });

  it('a root size limit ends the root partition there, the rest of the disk left free', () => {
    const plan = planLayout(4 * GiB, { style: 'gpt', filesystem: 'ext4', swapMiB: 128, rootMaxMiB: 1024 });
    checkInvariants(plan);
    const root = plan.partitions.find((p) => p.role === 'root')!;
    expect((root.size * 512) / MiB).toBe(1024);
    expect(plan.partitions.map((p) => p.role)).toEqual(['bios-boot', 'esp', 'swap', 'root']);
    // A limit larger than the disk: the rest of the disk, as without one.
    const big = planLayout(2 * GiB, { style: 'gpt', filesystem: 'ext4', rootMaxMiB: 100_000 });
    expect(big.partitions.at(-1)!.size).toBe(
      planLayout(2 * GiB, { style: 'gpt', filesystem: 'ext4' }).partitions.at(-1)!.size,
    );
    expect(
      errorOf(() => planLayout(2 * GiB, { style: 'gpt', filesystem: 'xfs', rootMaxMiB: 200 })),
    ).toMatchObject({
      code: 'E_LAYOUT_OPTION',
      message: expect.stringMatching(/at most 200 MiB is below the 300 MiB minimum/) as unknown,
    });
    expect(
      errorOf(() => planLayout(2 * GiB, { style: 'none', filesystem: 'ext4', rootMaxMiB: 512 })).code,
    ).toBe('E_LAYOUT_OPTION');
  });

  it('a lower minimum from the caller allows small disks', () => {
    expect(() => planLayout(64 * MiB, { style: 'msdos', filesystem: 'ext4' })).toThrow(/64 MiB/);
    expect(
      planLayout(64 * MiB, { style: 'msdos', filesystem: 'ext4' }, { minRootMiB: 16 }).partitions,
    ).toHaveLength(1);
  });

  describe('bad input: one clear error each', () => {
    it('disk too small names the numbers', () => {
      const e = errorOf(() => planLayout(200 * MiB, { style: 'msdos', filesystem: 'ext4', swapMiB: 64 }));
      expect(e.code).toBe('E_DISK_TOO_SMALL');
      expect(e.message).toMatch(
        /disk of 200 MiB leaves \d+ MiB for the ext4 root after 65 MiB of other partitions; at least 256 MiB needed/,
      );
    });
    it('xfs needs 300 MiB even with a lower minimum', () => {
      expect(
        errorOf(() => planLayout(280 * MiB, { style: 'none', filesystem: 'xfs' }, { minRootMiB: 10 }))
          .message,
      ).toMatch(/300 MiB minimum/);
    });
    it('unknown style', () => {
      expect(errorOf(() => planLayout(GiB, { style: 'bsd' as 'gpt', filesystem: 'ext4' }))).toEqual({
        code: 'E_LAYOUT_STYLE',
        message: 'unknown partition style "bsd"',
      });
    });
    it('unknown filesystem', () => {
      expect(errorOf(() => planLayout(GiB, { style: 'gpt', filesystem: 'zfs' as 'ext4' })).code).toBe(
        'E_LAYOUT_FILESYSTEM',
      );
      expect(
        errorOf(() =>
          planLayout(GiB, {
            style: 'gpt',
            filesystem: 'ext4',
            bootMiB: 100,
            bootFilesystem: 'ntfs' as 'ext4',
          }),
        ).message,
      ).toBe('unknown boot filesystem "ntfs"');
    });
    it('alignment that is not a positive multiple of 8', () => {
      for (const a of [0, -8, 7, 12, 1.5, 2 ** 30]) {
        expect(errorOf(() => planLayout(GiB, { style: 'gpt', filesystem: 'ext4', alignment: a })).code).toBe(
          'E_LAYOUT_ALIGNMENT',
        );
      }
    });
    it('alignment that does not fit the disk', () => {
      const e = errorOf(() => planLayout(GiB, { style: 'gpt', filesystem: 'ext4', alignment: 1048576 }));
      expect(e.code).toBe('E_LAYOUT_ALIGNMENT');
      expect(e.message).toMatch(/does not fit 3 partitions on a disk of 1024 MiB/);
    });
    it('options that make no sense for the style', () => {
      expect(errorOf(() => planLayout(GiB, { style: 'none', filesystem: 'ext4', swapMiB: 10 })).code).toBe(
        'E_LAYOUT_OPTION',
      );
      expect(errorOf(() => planLayout(GiB, { style: 'msdos', filesystem: 'ext4', espMiB: 10 })).code).toBe(
        'E_LAYOUT_OPTION',
      );
      expect(errorOf(() => planLayout(GiB, { style: 'msdos', filesystem: 'ext4', swapMiB: -1 })).code).toBe(
        'E_LAYOUT_OPTION',
      );
      expect(
        errorOf(() => planLayout(GiB, { style: 'msdos', filesystem: 'ext4', bootMiB: 4 })).message,
      ).toMatch(/below the 32 MiB minimum/);
      expect(errorOf(() => planLayout(GiB, { style: 'gpt', filesystem: 'ext4', espMiB: 2 })).message).toMatch(
        /EFI system partition of 2 MiB/,
      );
    });
  });
});
