/**
 * Planning how the last partition of a written image grows to the end of a larger disk (pure).
 * Only a Linux filesystem partition grows; swap, LVM, RAID, foreign and unknown types, and a
 * logical partition inside an extended one, are left as they are, with the reason.
 */
import type { PartitionTable, TablePartition } from '../disk/sfdisk.js';

/** GPT types whose content is a Linux filesystem: generic data and the discoverable root/home/srv/var types. */
export const GPT_LINUX_TYPES: ReadonlySet<string> = new Set([
  '0FC63DAF-8483-4772-8E79-3D69D8477DE4', // Linux filesystem data
  '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709', // root (x86-64)
  '44479540-F297-41B2-9AF7-D131D5F0458A', // root (x86)
  'B921B045-1DF0-41C3-AF44-4C6F280D3FAE', // root (arm64)
  '69DAD710-2CE4-4E3C-B16C-21A1D49ABED3', // root (arm)
  '933AC7E1-2EB4-4F13-B844-0E14E2AEF915', // /home
  '3B8F8425-20E0-4F3B-907F-1A25A76F98E8', // /srv
  '4D21B016-B534-45C2-A9FB-5C16E091FD2D', // /var
]);

const DOS_LINUX = '83';
const DOS_EXTENDED: ReadonlySet<string> = new Set(['5', '05', 'F', '0F', '85']);
const DOS_SWAP = '82';
const GPT_SWAP = '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F';

/** An msdos table addresses at most 2^32 - 1 sectors per partition. */
const DOS_MAX_SECTORS = 0xffffffff;

export type GrowPlan =
  | { action: 'grow'; partition: number; start: number; size: number; newSize: number }
  | { action: 'skip'; partition?: number; reason: string };

export interface GrowPlanInput {
  table: PartitionTable;
  /** Sectors (of table.sectorSize) of the whole disk. */
  diskSectors: number;
  /** GPT: the last usable sector, with the backup header already at the end of the disk. */
  lastUsable?: number;
}

const end = (p: TablePartition): number => p.start + p.size - 1;

function describeType(label: 'dos' | 'gpt', type: string): string {
  if (label === 'dos') {
    if (DOS_EXTENDED.has(type)) return 'an extended partition';
    if (type === DOS_SWAP) return 'swap';
    return `type ${type}`;
  }
  return type === GPT_SWAP ? 'swap' : `type ${type}`;
}

export function planGrow(input: GrowPlanInput): GrowPlan {
  const { table } = input;
  const parts = table.partitions.filter((p) => p.size > 0);
  if (parts.length === 0) return { action: 'skip', reason: 'the partition table has no partitions' };
  // On a tie (a logical partition ending with its extended one) the higher number, the logical, is last.
  const last = parts.reduce((a, b) =>
    end(b) > end(a) || (end(b) === end(a) && b.number > a.number) ? b : a,
  );
  const isDos = table.label === 'dos';
  if (isDos && last.number >= 5)
    return {
      action: 'skip',
      partition: last.number,
      reason: `the last partition (${last.number}) is a logical partition inside an extended one`,
    };
  const linux = isDos ? last.type === DOS_LINUX : GPT_LINUX_TYPES.has(last.type);
  if (!linux)
    return {
      action: 'skip',
      partition: last.number,
      reason: `the last partition (${last.number}) is ${describeType(table.label, last.type)}, not a Linux filesystem`,
    };
  const lastUsable = isDos ? input.diskSectors - 1 : (input.lastUsable ?? input.diskSectors - 34);
  let newSize = lastUsable - last.start + 1;
  if (isDos) newSize = Math.min(newSize, DOS_MAX_SECTORS);
  if (newSize <= last.size)
    return {
      action: 'skip',
      partition: last.number,
      reason: `partition ${last.number} already ends at the end of the disk`,
    };
  return { action: 'grow', partition: last.number, start: last.start, size: last.size, newSize };
}
