/**
 * Attaching an instance disk: a file disk (DISK_<n>_BACKEND_TYPE `file:*`, or any regular file) goes
 * through a loop device; a block device (LVM, DRBD, RBD) is used directly. The disk's size is read,
 * never changed. A disk in use is refused before anything is done.
 */
import { realpathSync, statSync } from 'node:fs';
import type { Runner } from '../process/types.js';
import { OsError } from '../runtime/errors.js';
import type { DiskContext } from './context.js';
import { checkBlockDeviceFree, checkFileFree } from './inuse.js';
import { attachLoop } from './loop.js';

export interface DeviceInfo {
  /** The disk as given. */
  path: string;
  /** realpath of the disk. */
  real: string;
  isFile: boolean;
  sizeBytes: number;
  sectorSize: number;
}

/** Identify the disk and its size; no changes. */
export async function inspectDisk(runner: Runner, path: string, backendType?: string): Promise<DeviceInfo> {
  let real: string;
  let st;
  try {
    real = realpathSync(path);
    st = statSync(real);
  } catch {
    throw new OsError('E_DISK_MISSING', `disk ${path} does not exist`, {
      hint: 'is the instance disk activated (gnt-instance activate-disks)?',
    });
  }
  if (st.isFile()) return { path, real, isFile: true, sizeBytes: st.size, sectorSize: 512 };
  if (!st.isBlockDevice()) {
    throw new OsError('E_DISK_TYPE', `disk ${path} is neither a file nor a block device`, {
      hint: `backend type was ${backendType ?? 'unset'}`,
    });
  }
  const size = await runner.run('blockdev', ['--getsize64', real], { code: 'E_DISK_SIZE' });
  const ss = await runner.run('blockdev', ['--getss', real], { code: 'E_DISK_SIZE' });
  return {
    path,
    real,
    isFile: false,
    sizeBytes: Number(size.stdout.trim()),
    sectorSize: Number(ss.stdout.trim()) || 512,
  };
}

/** Refuse a disk that is mounted, held, swapped on or (file) already attached. */
export function checkDiskFree(disk: DeviceInfo): void {
  if (disk.isFile) checkFileFree(disk.real);
  else checkBlockDeviceFree(disk.real);
}

/**
 * The block device to work on: a new loop for a file disk (detach registered), else the device.
 * `checked`: checkDiskFree has just passed (a file disk then has no loop yet).
 */
export async function attachDisk(
  ctx: DiskContext,
  disk: DeviceInfo,
  readOnly = false,
  checked = false,
): Promise<string> {
  if (!disk.isFile) return disk.real;
  const loop = await attachLoop(ctx, disk.real, { readOnly, ...(checked ? { attachedBefore: [] } : {}) });
  return loop.device;
}
