/**
 * What every disk executor needs: a Runner for the work, a Runner for undo steps, the cleanup stack
 * and the logger, plus the per-disk journal once the runtime dir exists.
 *
 * `cleanupRunner` exists because the entry point's Runner is usually tied to the run's AbortSignal:
 * after SIGTERM it refuses to start new commands, but the undo steps (umount, partx -d, losetup -d)
 * must still run. Pass an ExecRunner without a signal there; it defaults to `runner`.
 */
import type { Runner } from '../process/types.js';
import type { CleanupStack } from '../runtime/cleanup.js';
import type { Logger } from '../runtime/logger.js';
import type { Journal } from './journal.js';

export interface DiskContext {
  runner: Runner;
  cleanupRunner: Runner;
  stack: CleanupStack;
  log: Logger;
  journal?: Journal;
  /** Resolves once no command started through `runner` is still running (undo steps wait for it). */
  settle?: () => Promise<void>;
}

export interface DiskContextInput {
  runner: Runner;
  cleanupRunner?: Runner;
  stack: CleanupStack;
  log: Logger;
}

/**
 * The context for one disk run. Its runner tracks commands in flight, so that an undo started by a
 * signal first waits for the command being interrupted (a mount or partx -a that completes while the
 * stack unwinds would otherwise be left behind).
 */
export function diskContext(input: DiskContextInput, journal?: Journal): DiskContext {
  const inflight = new Set<Promise<unknown>>();
  const runner: Runner = {
    run(cmd, args, opts) {
      const p = input.runner.run(cmd, args, opts);
      inflight.add(p);
      const drop = (): void => void inflight.delete(p);
      p.then(drop, drop);
      return p;
    },
  };
  return {
    runner,
    cleanupRunner: input.cleanupRunner ?? input.runner,
    stack: input.stack,
    log: input.log,
    ...(journal ? { journal } : {}),
    settle: async () => {
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
    },
  };
}
