/**
 * Refuse a disk that is in use: mounted (the device or one of its partitions), held by another device
 * (device-mapper, md, a loop), active swap, or, for a file disk, already attached to a loop device.
 * The error is one line saying which device and by what.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { OsError } from '../runtime/errors.js';
import { loopsBackedBy } from './loop.js';
import { readMounts, type MountInfo } from './mountinfo.js';
import { devNumber, holders, kernelName, sysPartitions } from './sysblock.js';

function inUse(what: string, by: string): OsError {
  return new OsError('E_DISK_IN_USE', `${what} is in use: ${by}`, {
    hint: 'stop the instance / unmount / detach it first (a leftover from a killed run is cleaned by the next run on the same disk)',
  });
}

/** Swap areas from /proc/swaps text (pure). */
export function parseSwaps(text: string): string[] {
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.split(/\s+/)[0] ?? '')
    .filter(Boolean)
    .map((s) => s.replace(/\\040/g, ' '));
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** Throw E_DISK_IN_USE if the block device (or one of its partitions) is mounted, held or swapped on. */
export function checkBlockDeviceFree(
  device: string,
  mounts: MountInfo[] = readMounts(),
  swaps?: string[],
): void {
  const name = kernelName(device);
  const parts = [name, ...sysPartitions(name).map((p) => p.name)];
  const numbers = new Map(parts.map((n) => [devNumber(n), n] as const));
  for (const m of mounts) {
    const hit =
      numbers.get(m.majorMinor) ??
      (parts.some((n) => realOrSelf(m.source) === `/dev/${n}`) ? kernelName(m.source) : undefined);
    if (hit) throw inUse(device, `/dev/${hit} is mounted on ${m.mountPoint}`);
  }
  for (const n of parts) {
    const h = holders(n);
    if (h.length > 0) throw inUse(device, `/dev/${n} is held by ${h.map((x) => `/dev/${x}`).join(', ')}`);
  }
  const swapList = swaps ?? parseSwaps(readFileSync('/proc/swaps', 'utf8'));
  for (const s of swapList) {
    const real = realOrSelf(s);
    if (parts.some((n) => real === `/dev/${n}`)) throw inUse(device, `${s} is active swap`);
  }
}

/** Throw E_DISK_IN_USE if a loop device already uses this file. */
export function checkFileFree(file: string): void {
  const loops = loopsBackedBy(file);
  if (loops.length > 0) throw inUse(file, `already attached to ${loops.map((l) => l.name).join(', ')}`);
  const swaps = parseSwaps(readFileSync('/proc/swaps', 'utf8'));
  if (swaps.some((s) => realOrSelf(s) === file)) throw inUse(file, 'it is an active swap file');
}
