import { describe, expect, it } from 'vitest';
import type { OpenedPartition } from '../disk/index.js';
import { grownPartition } from './disk-image.js';

const part = (number: number, fstype?: string): OpenedPartition => ({
  number,
  device: `/dev/loop0p${number}`,
  sizeSectors: 2048,
  fstype,
  uuid: undefined,
  label: undefined,
});

describe('grownPartition', () => {
  it('the partition the table grew, when it holds a filesystem', () => {
    const partitions = [part(1, 'ext4'), part(2, 'swap'), part(3, 'xfs')];
    expect(grownPartition({ partitions }, { grown: true, partition: 3 })?.number).toBe(3);
    expect(grownPartition({ partitions }, { grown: false })).toBeUndefined();
    expect(
      grownPartition({ partitions: [part(1, 'ext4'), part(2)] }, { grown: true, partition: 2 }),
    ).toBeUndefined();
  });

  it('a whole-disk filesystem grows with the disk', () => {
    expect(grownPartition({ partitions: [part(0, 'btrfs')] }, { grown: false })?.number).toBe(0);
  });
});
