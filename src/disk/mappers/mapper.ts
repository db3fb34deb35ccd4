/**
 * One interface over the ways to get a device node per partition: kpartx (device-mapper), partx
 * (kernel partitions on loop devices), the kernel's own partitions of a real disk, and one loop device
 * per partition (loop-offset, works anywhere).
 */
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

export interface PartitionMapper {
  readonly name: MapperName;
  /** Create the partition nodes (registering the undo on the cleanup stack). Partition number -> device path. */
  map(device: string, table: MapTable): Promise<Map<number, string>>;
  /** Remove the nodes now (idempotent; also runs when the stack unwinds). */
  unmap(): Promise<void>;
}
