/**
 * claimDisk: before a tool writes a whole disk directly (an image written byte for byte), recover
 * what a killed run of ours left on it, then refuse a disk in use (mounted, held open, swapped on,
 * attached to a loop device) exactly as prepareDisk and openDisk do before they touch it.
 */
import type { DiskContextInput } from './context.js';
import { checkDiskFree, inspectDisk, type DeviceInfo } from './attach.js';
import { RUNTIME_ROOT } from './journal.js';
import { recoverDisk } from './recover.js';

export async function claimDisk(
  o: DiskContextInput & { path: string; backendType?: string; runtimeRoot?: string },
): Promise<DeviceInfo> {
  const disk = await inspectDisk(o.runner, o.path, o.backendType);
  await recoverDisk(disk.real, {
    runner: o.cleanupRunner ?? o.runner,
    log: o.log,
    runtimeRoot: o.runtimeRoot ?? RUNTIME_ROOT,
  });
  checkDiskFree(disk);
  return disk;
}
