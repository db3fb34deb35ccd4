import { describe, expect, it } from 'vitest';
import type { PartitionTable, TablePartition } from '../disk/sfdisk.js';
import { planGrow } from './grow-plan.js';

const LINUX = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';

function table(label: 'dos' | 'gpt', parts: [number, number, number, string][]): PartitionTable {
  return {
    label,
    id: 'x',
    sectorSize: 512,
    partitions: parts.map(([number, start, size, type]): TablePartition => ({
      number,
      node: `d${number}`,
      start,
      size,
      type,
      bootable: false,
    })),
  };
}

describe('planGrow', () => {
  it('grows the last Linux partition of an msdos table to the last sector', () => {
    const t = table('dos', [
      [1, 2048, 2048, '83'],
      [2, 4096, 100_000, '83'],
    ]);
    expect(planGrow({ table: t, diskSectors: 1_000_000 })).toEqual({
      action: 'grow',
      partition: 2,
      start: 4096,
      size: 100_000,
      newSize: 1_000_000 - 4096,
    });
  });

  it('grows a gpt partition to the last usable sector, found by end rather than number', () => {
    const t = table('gpt', [
      [2, 2048, 2048, '21686148-6449-6E6F-744E-656564454649'],
      [1, 4096, 100_000, LINUX],
    ]);
    expect(planGrow({ table: t, diskSectors: 1_000_000, lastUsable: 999_966 })).toMatchObject({
      action: 'grow',
      partition: 1,
      newSize: 999_966 - 4096 + 1,
    });
  });

  it('caps an msdos partition at 2^32-1 sectors', () => {
    const t = table('dos', [[1, 2048, 100, '83']]);
    expect(planGrow({ table: t, diskSectors: 2 ** 33 })).toMatchObject({ newSize: 0xffffffff });
  });

  it('leaves swap, LVM, extended and logical partitions, and full disks, with a reason', () => {
    const skip = (t: PartitionTable, diskSectors = 1_000_000): { action: string; reason?: string } =>
      planGrow({ table: t, diskSectors });
    expect(skip(table('dos', [[1, 2048, 100, '82']]))).toMatchObject({
      action: 'skip',
      partition: 1,
      reason: expect.stringMatching(/is swap/) as string,
    });
    expect(skip(table('dos', [[1, 2048, 100, '8E']])).reason).toMatch(/type 8E, not a Linux filesystem/);
    expect(
      skip(
        table('dos', [
          [1, 2048, 100, '83'],
          [2, 4096, 995_904, '5'],
          [5, 6144, 993_856, '83'],
        ]),
      ),
    ).toMatchObject({ partition: 5, reason: expect.stringMatching(/logical partition/) as string });
    expect(skip(table('gpt', [[1, 2048, 100, '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F']])).reason).toMatch(
      /is swap/,
    );
    expect(skip(table('dos', [[1, 2048, 1_000_000 - 2048, '83']]))).toMatchObject({
      action: 'skip',
      reason: 'partition 1 already ends at the end of the disk',
    });
    expect(skip(table('gpt', []))).toEqual({
      action: 'skip',
      reason: 'the partition table has no partitions',
    });
  });
});
