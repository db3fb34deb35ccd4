/**
 * The disk a capture reads: a Ganeti disk (block device or file disk) or a raw image file. It must
 * not be in use: not mounted, held by another device or attached to a loop (the disk layer's
 * checks), and not held open by a process (a running instance's qemu holds its disks open). The
 * capture only ever reads it.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { checkDiskFree, inspectDisk, type DeviceInfo } from '../disk/attach.js';
import { sysPartitions } from '../disk/sysblock.js';
import type { Runner } from '../process/types.js';
import { OsError, isOsError } from '../runtime/errors.js';

const HINT =
  'stop the instance first (gnt-instance shutdown), then activate its disks (gnt-instance activate-disks) and capture again';

function inUse(path: string, why: string): OsError {
  return new OsError('E_CAPTURE_IN_USE', `cannot capture ${path}: ${why}`, { hint: HINT });
}

export interface Holder {
  pid: number;
  command: string;
  path: string;
}

/** Processes (other than us) with an open file descriptor on one of `paths`. */
export async function processesHolding(paths: readonly string[]): Promise<Holder[]> {
  const wanted = new Set(paths);
  const found: Holder[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let fds: string[];
    try {
      fds = await readdir(`/proc/${name}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = await readlink(`/proc/${name}/fd/${fd}`);
      } catch {
        continue;
      }
      if (!wanted.has(target)) continue;
      const command = (await readFile(`/proc/${name}/comm`, 'utf8').catch(() => '?')).trim();
      found.push({ pid: Number(name), command, path: target });
      break;
    }
  }
  return found;
}

/** The first bytes of the disk, to tell a raw disk from an image container. */
function head(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    const n = readSync(fd, buf, 0, 4, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Identify the disk, and refuse it when it is in use or not a raw disk. */
export async function checkCaptureSource(runner: Runner, path: string): Promise<DeviceInfo> {
  const disk = await inspectDisk(runner, path);
  try {
    checkDiskFree(disk);
  } catch (e) {
    if (isOsError(e) && e.code === 'E_DISK_IN_USE') throw inUse(path, e.message);
    throw e;
  }
  const paths = [disk.real];
  if (!disk.isFile) paths.push(...sysPartitions(basename(disk.real)).map((p) => `/dev/${p.name}`));
  const holders = await processesHolding(paths);
  if (holders.length > 0) {
    const h = holders[0]!;
    throw inUse(
      path,
      `${h.path} is held open by ${h.command} (pid ${h.pid})${holders.length > 1 ? ` and ${holders.length - 1} more` : ''}`,
    );
  }
  if (head(disk.real).equals(Buffer.from('QFI\xfb', 'latin1')))
    throw new OsError('E_CAPTURE_FORMAT', `${path} is a qcow2 image, not a raw disk`, {
      hint: `capture reads raw disks; convert it first: qemu-img convert -f qcow2 -O raw ${path} DISK.raw`,
    });
  return disk;
}
