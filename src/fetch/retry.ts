/** Executor: attempts with exponential backoff for failures marked transient (response.ts). */
import { setTimeout as sleep } from 'node:timers/promises';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { backoffMs, isTransient } from './response.js';

export interface RetryOptions {
  log: Logger;
  signal?: AbortSignal | undefined;
  /** Attempts after the first. */
  retries: number;
  /** First pause, doubled each time (at most 30 s). */
  retryDelayMs: number;
}

export async function withRetries<T>(o: RetryOptions, attempt: (n: number) => Promise<T>): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (e) {
      if (!isTransient(e) || n >= o.retries || o.signal?.aborted) throw e;
      const wait = backoffMs(n + 1, o.retryDelayMs);
      o.log.warn(
        `${(e as Error).message}; retrying in ${(wait / 1000).toFixed(wait < 1000 ? 1 : 0)} s (${n + 1} of ${o.retries})`,
      );
      try {
        await sleep(wait, undefined, o.signal ? { signal: o.signal } : {});
      } catch {
        throw new OsError('E_INTERRUPTED', 'download stopped: the run was aborted');
      }
    }
  }
}
