/**
 * Recovery of a disk after a killed run: when the disk's runtime dir exists (a run of ours did not
 * finish), undo, newest first, whatever the journal and the system show for this disk (mounts under
 * the runtime dir deepest first, encrypted roots, partition maps, loop devices backed by it), then
 * remove the runtime dir (recursively only when nothing is mounted below it). The journal is opened
 * before the first acquisition, so a run killed at any point leaves the dir behind.
 */
import { existsSync, realpathSync, rmSync } from 'node:fs';
import type { Runner } from '../process/types.js';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { readJournal, runtimeDirFor, RUNTIME_ROOT } from './journal.js';
import { recoverLuks } from './encrypt.js';
import { detachLoop, loopsBackedBy } from './loop.js';
import { kpartxDelete, partxDelete } from './mappers/index.js';
import { unmount } from './mount.js';
import { mountsBelow } from './mountinfo.js';
import { killGuestProcesses } from './processes.js';
import { loopBackingFile, sysPartitions } from './sysblock.js';

export interface RecoverOptions {
  runner: Runner;
  log: Logger;
  runtimeRoot?: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Undo leftovers of earlier runs on `path`. Returns a description of each action taken. */
export async function recoverDisk(path: string, opts: RecoverOptions): Promise<string[]> {
  const { runner, log } = opts;
  const real = realpathSync(path);
  const dir = runtimeDirFor(real, opts.runtimeRoot ?? RUNTIME_ROOT);
  const journal = readJournal(dir);
  if (journal && journal.pid !== process.pid && alive(journal.pid)) {
    throw new OsError('E_DISK_BUSY', `${path} is being worked on by running process ${journal.pid}`, {
      hint: `wait for it to finish, or stop it; its state is in ${dir}`,
    });
  }
  const done: string[] = [];
  const ctx = { cleanupRunner: runner };
  // No runtime dir: no run of ours left anything. Loops someone else attached are not ours to detach
  // (the in-use check reports them instead).
  if (!existsSync(dir)) return done;

  if (existsSync(dir)) {
    await killGuestProcesses(dir, log);
    for (const m of mountsBelow(dir)) {
      await unmount(runner, log, m);
      done.push(`unmounted ${m}`);
    }
  }
  // An encrypted root's mapping sits on a partition node: closed before the maps go.
  done.push(...(await recoverLuks(runner, log, journal?.entries ?? [])));
  for (const e of [...(journal?.entries ?? [])].reverse()) {
    if (e.kind !== 'map') continue;
    if (!existsSync(e.device)) continue;
    if (e.mapper === 'kpartx')
      await kpartxDelete(ctx, e.device).catch((err: unknown) =>
        log.warn(`kpartx -d ${e.device}: ${String(err)}`),
      );
    else
      await partxDelete(ctx, e.device).catch((err: unknown) =>
        log.warn(`partx -d ${e.device}: ${String(err)}`),
      );
    done.push(`removed ${e.mapper} partitions of ${e.device}`);
  }
  // Loops backed by the disk, plus journal loops still backed by what the journal says.
  const loops = new Set(loopsBackedBy(real).map((l) => l.name));
  for (const e of journal?.entries ?? []) {
    if (e.kind === 'loop' && loopBackingFile(e.device) === e.backing) loops.add(e.device);
  }
  // Children first: loop-offset loops backed by one of these loops.
  const ordered: string[] = [];
  for (const l of loops) for (const c of loopsBackedBy(l)) ordered.push(c.name);
  ordered.push(...loops);
  for (const l of [...new Set(ordered)]) {
    if (sysPartitions(l.replace('/dev/', '')).length > 0) await partxDelete(ctx, l).catch(() => undefined);
    await detachLoop(runner, log, l);
    done.push(`detached ${l}`);
  }
  if (existsSync(dir)) {
    if (mountsBelow(dir).length > 0)
      throw new OsError('E_DISK_BUSY', `${dir} still has mounts below it`, {
        hint: `check findmnt -R ${dir}`,
      });
    rmSync(dir, { recursive: true, force: true });
    done.push(`removed ${dir}`);
  }
  if (done.length > 0) log.info(`recovered ${path} from an earlier run: ${done.join('; ')}`);
  return done;
}
