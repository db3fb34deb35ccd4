/** The instance's disks as the pipeline uses them: which one to install onto, and the layout the variant asks for. */
import type { LayoutConfig } from '../disk/index.js';
import { backendTypeString } from '../ganeti/render-env.js';
import type { DiskInfo, InstanceInfo } from '../ganeti/types.js';
import { OsError } from '../runtime/errors.js';
import type { DiskSettings } from './schema.js';

export interface DiskTarget {
  path: string;
  /** DISK_<n>_BACKEND_TYPE as Ganeti spells it, for messages. */
  backendType?: string;
}

export function diskTarget(path: string, d: DiskInfo | undefined): DiskTarget {
  return { path, ...(d?.backendType ? { backendType: backendTypeString(d.backendType) } : {}) };
}

/** Disk 0, where a Linux guest is installed: it must exist, have a path and be writable. */
export function diskZero(ctx: { instance: InstanceInfo }): DiskTarget {
  const d = ctx.instance.disks[0];
  if (!d?.path) {
    throw new OsError('E_NO_DISK', 'the instance has no disk 0 with a path (DISK_0_PATH)', {
      hint: 'the guest is installed onto disk 0; create the instance with at least one disk',
    });
  }
  if (d.access === 'ro')
    throw new OsError('E_DISK_RO', `disk 0 (${d.path}) is read-only`, {
      hint: 'give the instance a read-write disk 0',
    });
  return diskTarget(d.path, d);
}

/** The disk layer's layout from the variant's disk keys. */
export function layoutOf(d: DiskSettings): LayoutConfig {
  return {
    style: d.partitionStyle,
    alignment: d.partitionAlignment,
    filesystem: d.filesystem,
    ...(typeof d.swap === 'number' ? { swapMiB: d.swap } : {}),
    ...(typeof d.bootPartition === 'number' ? { bootMiB: d.bootPartition } : {}),
  };
}
