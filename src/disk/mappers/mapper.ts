/**
 * One interface over the ways to get a device node per partition: kpartx (device-mapper), partx
 * (kernel partitions on loop devices), the kernel's own partitions of a real disk, and one loop device
 * per partition (loop-offset, works anywhere).
 */
import type { CleanupHandle } from '../../runtime/cleanup.js';
import type { OsError } from '../../runtime/errors.js';
import type { DiskContext } from '../context.js';
export const MAPPER_NAMES = ['kpartx', 'partx', 'kernel', 'loop-offset'] as const;
export type MapperName = (typeof MAPPER_NAMES)[number];
export type MapperChoice = MapperName | 'auto';

export interface MapPartition {
  number: number;
  /** In sectors of `sectorSize`. */
  start: number;
  size: number;
}

export interface MapTable {
  sectorSize: number;
  partitions: readonly MapPartition[];
}

/**
 * The node of every partition of `table`, by number. `node` is given the partition's start and size
 * in 512-byte units (what kpartx and sysfs report) and answers undefined when nothing matches, which
 * fails with `missing`'s error. Pure.
 */
export function nodesFor(
  table: MapTable,
  node: (p: MapPartition, start512: number, size512: number) => string | undefined,
  missing: (p: MapPartition) => OsError,
): Map<number, string> {
  const factor = table.sectorSize / 512;
  const out = new Map<number, string>();
  for (const p of table.partitions) {
    const found = node(p, p.start * factor, p.size * factor);
    if (found === undefined) throw missing(p);
    out.set(p.number, found);
  }
  return out;
}

export interface PartitionMapper {
  readonly name: MapperName;
  /** Create the partition nodes (registering the undo on the cleanup stack). Partition number -> device path. */
  map(device: string, table: MapTable): Promise<Map<number, string>>;
  /** Remove the nodes now (idempotent; also runs when the stack unwinds). */
  unmap(): Promise<void>;
}

/**
 * Journal the partition map of `device` (so a killed run's map is found again) and push its undo:
 * wait for a command still in flight (a map being made when the signal came), remove the map, then
 * drop the journal entry.
 */
export function registerMap(
  ctx: DiskContext,
  mapper: 'kpartx' | 'partx',
  device: string,
  remove: (ctx: DiskContext, device: string) => Promise<void>,
): CleanupHandle {
  const entry = { kind: 'map' as const, mapper, device };
  ctx.journal?.add(entry);
  return ctx.stack.push(`${mapper} -d ${device}`, async () => {
    await ctx.settle?.();
    await remove(ctx, device);
    ctx.journal?.remove(entry);
  });
}
