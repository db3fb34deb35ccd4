/**
 * Mounting and unmounting. Guest filesystems are always mounted nosuid,nodev so nothing in the guest
 * is honoured on the host while mounted. Unmount retries a busy mount point (5 tries, 200 ms apart)
 * and falls back to a lazy unmount with a warning. Mount points are removed with a plain rmdir.
 */
import { lstatSync, mkdirSync, rmdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Runner } from '../process/types.js';
import type { CleanupHandle } from '../runtime/cleanup.js';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { DiskContext } from './context.js';
import { isMountPoint, mountsBelow } from './mountinfo.js';

export const SAFE_MOUNT_OPTIONS = ['nosuid', 'nodev'] as const;

/** Filesystems mounted `nobarrier` while we install onto them (never in the guest's fstab). */
export const NO_BARRIER_FS: ReadonlySet<string> = new Set(['ext3', 'ext4']);

/** Extra mount options for a filesystem being installed (pure); pair them with flushDevice. */
export function installMountOptions(fstype: string | undefined): string[] {
  return fstype && NO_BARRIER_FS.has(fstype) ? ['nobarrier'] : [];
}

/** fsync the block device: its cache flush makes what was written without barriers durable. */
export async function flushDevice(runner: Runner, device: string): Promise<void> {
  await runner.run('sync', [device], {
    code: 'E_DISK_FLUSH',
    hint: `could not flush ${device} to stable storage`,
  });
}

/**
 * Start writing a file's dirty pages back, without waiting for them and without a journal commit
 * (which would hold up every other write to the file meanwhile, as fsync does): POSIX_FADV_DONTNEED
 * through `dd oflag=nocache count=0`. Best effort; flushDevice makes them durable afterwards.
 */
export async function startWriteback(runner: Runner, file: string): Promise<void> {
  await runner.run('dd', [`of=${file}`, 'oflag=nocache', 'conv=notrunc', 'count=0', 'status=none'], {
    reject: false,
  });
}

export interface MountSpec {
  source: string;
  dir: string;
  /** Filesystem type; omitted for bind mounts. */
  fstype?: string;
  options?: readonly string[];
  bind?: boolean;
}

/** mount(8) arguments for a spec (pure). */
export function mountArgs(spec: MountSpec): string[] {
  const args: string[] = [];
  if (spec.bind) args.push('--bind');
  if (spec.fstype) args.push('-t', spec.fstype);
  if (spec.options && spec.options.length > 0) args.push('-o', spec.options.join(','));
  args.push(spec.source, spec.dir);
  return args;
}

/** Mount `spec` (creating the mount point as a real directory) and register the unmount. */
export async function mountAndRegister(
  ctx: DiskContext,
  spec: MountSpec,
  label = `umount ${spec.dir}`,
): Promise<CleanupHandle> {
  ensureDirectory(spec.dir);
  // Registered before mounting: a mount that completes while the run is being interrupted is still
  // undone (the undo only unmounts what is mounted).
  const entry = { kind: 'mount' as const, path: spec.dir };
  ctx.journal?.add(entry);
  const handle = ctx.stack.push(label, async () => {
    await ctx.settle?.();
    await unmount(ctx.cleanupRunner, ctx.log, spec.dir);
    ctx.journal?.remove(entry);
  });
  try {
    await ctx.runner.run('mount', mountArgs(spec), {
      code: 'E_DISK_MOUNT',
      hint: `could not mount ${spec.source} on ${spec.dir}`,
    });
  } catch (e) {
    await handle.release();
    throw e;
  }
  return handle;
}

/** Create `dir` if missing; refuse a symlink or non-directory (it could lead outside the target). */
export function ensureDirectory(dir: string): void {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    return;
  }
  if (st.isSymbolicLink() || !st.isDirectory()) {
    throw new OsError(
      'E_DISK_MOUNTPOINT',
      `mount point ${dir} is ${st.isSymbolicLink() ? 'a symlink' : 'not a directory'}`,
      {
        hint: 'the guest filesystem has an unexpected entry there; refusing to follow it',
      },
    );
  }
}

/** Unmount `dir` if mounted: retry while busy, then lazily unmount with a warning. */
export async function unmount(
  runner: Runner,
  log: Logger,
  dir: string,
  tries = 5,
  delayMs = 200,
): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (!isMountPoint(dir)) return;
    const r = await runner.run('umount', [dir], { reject: false });
    if (r.exitCode === 0 && !isMountPoint(dir)) return;
    log.debug(`umount ${dir} failed (try ${i + 1}/${tries}): ${r.stderr.trim()}`);
    await sleep(delayMs);
  }
  if (!isMountPoint(dir)) return;
  log.warn(`${dir} stays busy; detaching it lazily (umount -l)`);
  await runner.run('umount', ['-l', dir], {
    code: 'E_DISK_UMOUNT',
    hint: `find what keeps ${dir} busy with fuser -vm ${dir}`,
  });
}

/** rmdir (never recursive) a directory that has nothing mounted at or below it; ignore a missing one. */
export function removeMountPoint(dir: string): void {
  if (mountsBelow(dir).length > 0) {
    throw new OsError('E_DISK_BUSY', `not removing ${dir}: something is still mounted there`, {
      hint: 'unmount it first',
    });
  }
  try {
    rmdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
