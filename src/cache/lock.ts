/**
 * Per-entry exclusive locks with flock(1) on a file descriptor we open and pass to it as fd 3: the
 * lock belongs to our open file description, so it lasts until we close the fd, and the kernel drops
 * it when we die, even by SIGKILL. Admins' `flock` commands see it too.
 */
import { closeSync, openSync } from 'node:fs';
import { runPipeline } from '../process/pipeline.js';
import { OsError, isOsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';

export interface CacheLock {
  readonly path: string;
  release(): void;
}

export interface LockOptions {
  log: Logger;
  signal?: AbortSignal;
  /** Seconds to wait; 0 = do not wait (fail at once when held). Default 3600. */
  timeoutSec?: number;
}

/** Take an exclusive lock on `path` (created if missing, mode 0600). Throws E_CACHE_LOCKED on timeout. */
export async function lockFile(path: string, opts: LockOptions): Promise<CacheLock> {
  const fd = openSync(path, 'a', 0o600);
  const timeout = opts.timeoutSec ?? 3600;
  const args = timeout === 0 ? ['-x', '-n', '3'] : ['-x', '-w', String(timeout), '3'];
  try {
    await runPipeline([['flock', ...args]], {
      log: opts.log,
      stdin: 'ignore',
      stdout: 'ignore',
      extraFds: [fd],
      signal: opts.signal,
      code: 'E_CACHE_LOCKED',
    });
  } catch (e) {
    closeSync(fd);
    if (isOsError(e) && e.code === 'E_CACHE_LOCKED') {
      throw new OsError(
        'E_CACHE_LOCKED',
        `cache entry ${path} is locked by another process${timeout ? ` (waited ${timeout} s)` : ''}`,
        {
          hint: `another install is building this cache entry; retry later or find it with: fuser ${path}`,
        },
      );
    }
    throw e;
  }
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      closeSync(fd);
    },
  };
}

/**
 * Run `work` under the lock at `path` if it can be taken at once; 'busy' when another process holds
 * it (a build, a download or a deploy using the entry). For removals by the cache commands.
 */
export async function whenUnlocked(
  path: string,
  log: Logger,
  work: () => Promise<void>,
): Promise<'removed' | 'busy'> {
  let lock: CacheLock;
  try {
    lock = await lockFile(path, { log, timeoutSec: 0 });
  } catch (err) {
    if (isOsError(err) && err.code === 'E_CACHE_LOCKED') return 'busy';
    throw err;
  }
  try {
    await work();
  } finally {
    lock.release();
  }
  return 'removed';
}
