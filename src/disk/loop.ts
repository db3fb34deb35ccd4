/**
 * Loop devices: attach a file disk (never truncating or resizing it), list loops backed by a file
 * (sysfs, as `losetup -l` does), detach. Whoever attaches registers the detach on the cleanup stack.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Runner } from '../process/types.js';
import type { CleanupHandle } from '../runtime/cleanup.js';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { DiskContext } from './context.js';
import { sysLoops, sysPartitions, type SysLoop } from './sysblock.js';
import { withoutSync } from './nosync.js';

/** Loop devices whose backing file is `path` (a file or a block device), read from sysfs. */
export function loopsBackedBy(path: string): SysLoop[] {
  return sysLoops().filter((l) => l.backFile === path);
}

export interface LoopOptions {
  readOnly?: boolean;
  offsetBytes?: number;
  sizeBytes?: number;
  /** The loops backed by the file, when the caller has just listed them (not listed again). */
  attachedBefore?: readonly string[];
}

/** losetup arguments (pure). */
export function losetupAttachArgs(path: string, o: LoopOptions = {}): string[] {
  const args = ['--find', '--show'];
  if (o.readOnly) args.push('--read-only');
  if (o.offsetBytes !== undefined) args.push('--offset', String(o.offsetBytes));
  if (o.sizeBytes !== undefined) args.push('--sizelimit', String(o.sizeBytes));
  args.push(path);
  return args;
}

export interface AttachedLoop {
  device: string;
  /** Detach now (idempotent); also runs when the cleanup stack unwinds. */
  handle: CleanupHandle;
}

/** Attach `path` to a free loop device and register its detach. */
export async function attachLoop(ctx: DiskContext, path: string, o: LoopOptions = {}): Promise<AttachedLoop> {
  // Registered before attaching: if the run is interrupted while losetup runs, the undo detaches
  // whatever new loop on `path` appeared, since we never learnt its name.
  const before = new Set(o.attachedBefore ?? loopsBackedBy(path).map((l) => l.name));
  let device: string | undefined;
  const handle = ctx.stack.push(`detach loop on ${path}`, async () => {
    await ctx.settle?.();
    const targets = device
      ? [device]
      : loopsBackedBy(path)
          .map((l) => l.name)
          .filter((n) => !before.has(n));
    for (const d of targets) await detachLoop(ctx.cleanupRunner, ctx.log, d);
    if (device) ctx.journal?.remove({ kind: 'loop', device, backing: path });
  });
  try {
    const r = await ctx.runner.run('losetup', losetupAttachArgs(path, o), {
      code: 'E_DISK_LOOP',
      hint: 'check free loop devices with losetup -a',
    });
    const name = r.stdout.trim();
    if (!/^\/dev\/loop\d+$/.test(name))
      throw new OsError('E_DISK_LOOP', `losetup printed an unexpected device name "${name}"`);
    device = name;
  } catch (e) {
    await handle.release();
    throw e;
  }
  ctx.journal?.add({ kind: 'loop', device, backing: path });
  return { device, handle };
}

/** Detach a loop device; settles udev first and retries while busy. */
export async function detachLoop(runner: Runner, log: Logger, device: string): Promise<void> {
  const name = device.replace('/dev/', '');
  // Partitions added with partx outlive the loop's detach (orphans on a detached loop): drop them first.
  if (sysPartitions(name).length > 0)
    await runner.run('partx', ['-d', device], withoutSync({ reject: false }));
  let detached = false;
  for (let i = 0; i < 5 && !detached; i++) {
    await runner.run('udevadm', ['settle', '--timeout=10'], { reject: false });
    const r = await runner.run('losetup', ['-d', device], { reject: false });
    if (r.exitCode === 0 || /No such device|not a block device/i.test(r.stderr)) detached = true;
    else {
      log.debug(`losetup -d ${device} failed (try ${i + 1}): ${r.stderr.trim()}`);
      await sleep(200);
    }
  }
  if (!detached)
    await runner.run('losetup', ['-d', device], {
      code: 'E_DISK_LOOP',
      hint: `find what holds ${device} with lsblk and fuser`,
    });
  // A partition that was busy (e.g. a copy of a mount in another mount namespace) stays behind: retry.
  for (let i = 0; i < 20 && sysPartitions(name).length > 0; i++) {
    await sleep(500);
    await runner.run('partx', ['-d', device], withoutSync({ reject: false }));
  }
  if (sysPartitions(name).length > 0)
    log.warn(`partitions of ${device} stay busy after detaching it; remove them with partx -d ${device}`);
}
