/**
 * Signal handling for entry points: SIGTERM, SIGINT and SIGHUP abort the run's AbortController (which
 * kills running children), unwind the cleanup stack and exit with 128+signo. A second signal while
 * unwinding is ignored so cleanup can finish; SIGKILL cannot be caught, which is why every provider
 * also recovers leftovers at start (see disk/recover).
 */
import type { CleanupStack } from './cleanup.js';
import type { Logger } from './logger.js';

const signals = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
export type HandledSignal = keyof typeof signals;

export interface SignalGuard {
  readonly signal: AbortSignal;
  dispose(): void;
}

export function guardSignals(
  stack: CleanupStack,
  log: Logger,
  exit: (code: number) => void = (code) => process.exit(code),
): SignalGuard {
  const controller = new AbortController();
  let handling = false;
  const handlers = new Map<HandledSignal, () => void>();
  for (const name of Object.keys(signals) as HandledSignal[]) {
    const handler = (): void => {
      if (handling) {
        log.warn(`${name} received again while cleaning up; still cleaning up`);
        return;
      }
      handling = true;
      log.error(`interrupted by ${name}; cleaning up`);
      controller.abort(new Error(`interrupted by ${name}`));
      void stack.unwind().finally(() => {
        log.error(`error[E_INTERRUPTED]: stopped by ${name} (hint: cleanup finished; rerun the operation)`);
        exit(128 + signals[name]);
      });
    };
    handlers.set(name, handler);
    process.on(name, handler);
  }
  return {
    signal: controller.signal,
    dispose() {
      for (const [name, h] of handlers) process.off(name, h);
    },
  };
}
