/**
 * Reading /sys/class/block: a block device's kernel name, dev number, partitions and holders. Plain
 * file reads, no processes.
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';

const SYS_BLOCK = '/sys/class/block';

function readTrim(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Kernel name of a device path (`/dev/vg/lv` -> `dm-3`). */
export function kernelName(device: string): string {
  return basename(realpathSync(device));
}

export function devNumber(name: string): string | undefined {
  return readTrim(join(SYS_BLOCK, name, 'dev'));
}

export interface SysPartition {
  number: number;
  name: string;
  /** In 512-byte units, as sysfs reports them. */
  start: number;
  size: number;
}

/** Partitions the kernel knows for a whole-disk device. */
export function sysPartitions(name: string): SysPartition[] {
  const dir = join(SYS_BLOCK, name);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const out: SysPartition[] = [];
  for (const e of entries) {
    const num = readTrim(join(dir, e, 'partition'));
    if (num === undefined) continue;
    out.push({
      number: Number(num),
      name: e,
      start: Number(readTrim(join(dir, e, 'start')) ?? 0),
      size: Number(readTrim(join(dir, e, 'size')) ?? 0),
    });
  }
  return out.sort((a, b) => a.number - b.number);
}

export function holders(name: string): string[] {
  try {
    return readdirSync(join(SYS_BLOCK, name, 'holders'));
  } catch {
    return [];
  }
}

export function isLoopName(name: string): boolean {
  return /^loop\d+$/.test(name);
}

/** True for device-mapper devices (LVM LVs, kpartx maps). */
function isDmName(name: string): boolean {
  return /^dm-\d+$/.test(name) || existsSync(join(SYS_BLOCK, name, 'dm'));
}

/** Whether the kernel can hold partitions for this disk (ext_range > 1) and it is not a loop/dm. */
export function supportsKernelPartitions(name: string): boolean {
  if (isLoopName(name) || isDmName(name)) return false;
  const range = Number(
    readTrim(join(SYS_BLOCK, name, 'ext_range')) ?? readTrim(join(SYS_BLOCK, name, 'range')) ?? '1',
  );
  return range > 1;
}

export interface SysLoop {
  /** `/dev/loopN`. */
  name: string;
  /** The backing file's path (without the " (deleted)" the kernel appends to a removed one). */
  backFile: string;
}

/** The backing file of loop device `name` (`loop3` or `/dev/loop3`); undefined when it is not attached. */
export function loopBackingFile(name: string): string | undefined {
  const back = readTrim(join(SYS_BLOCK, name.replace('/dev/', ''), 'loop', 'backing_file'));
  return back?.replace(/ \(deleted\)$/, '');
}

/** The attached loop devices and their backing files, as `losetup -l` reads them from sysfs. */
export function sysLoops(): SysLoop[] {
  let names: string[];
  try {
    names = readdirSync(SYS_BLOCK).filter(isLoopName);
  } catch {
    return [];
  }
  const out: SysLoop[] = [];
  for (const name of names) {
    const backFile = loopBackingFile(name);
    if (backFile !== undefined) out.push({ name: `/dev/${name}`, backFile }); // else not attached
  }
  return out;
}
