/**
 * The progress reporter of long work (downloads, copies): on a terminal, one live line redrawn in
 * place at most ten times a second; otherwise (Ganeti's OS log) a log line at least every 10 s, so
 * the log shows the job alive even when no byte moves. What is printed comes from format.ts.
 */
import type { Logger } from '../runtime/logger.js';
import { formatLive, formatLogLine, formatSummary, type ProgressState } from './format.js';

export interface ProgressOptions {
  /** What is being done ("download debian-12.qcow2"). */
  phase: string;
  /** Bytes in all, when known. */
  total?: number | undefined;
  /** Bytes already done before this run (a resumed download): shown, but not counted in the rate. */
  start?: number | undefined;
  log: Logger;
  /** A live line on a terminal (true) or periodic log lines (false). */
  tty: boolean;
  /** Where the live line goes; default stderr. */
  write?: (text: string) => void;
  /** Interval of the log lines; default 10 000 ms. */
  logEveryMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export interface Progress {
  /** Bytes done so far (including `start`). */
  update(done: number): void;
  /** Stop the timer and print the closing line. Idempotent. */
  finish(): void;
  /** Stop the timer without a closing line (the work failed; its error says why). Idempotent. */
  stop(): void;
}

const LIVE_EVERY_MS = 100;

export function createProgress(o: ProgressOptions): Progress {
  const now = o.now ?? Date.now;
  const write = o.write ?? ((t: string) => void process.stderr.write(t));
  const began = now();
  let done = o.start ?? 0;
  let lastDraw = -Infinity;
  let lastLog = began;
  let finished = false;
  let width = 0;

  const state = (): ProgressState => ({
    phase: o.phase,
    done,
    total: o.total,
    start: o.start,
    elapsedMs: now() - began,
  });
  const draw = (): void => {
    const line = formatLive(state());
    // Pad over the rest of a longer previous line instead of relying on terminal escapes.
    write(`\r${line.padEnd(width)}`);
    width = line.length;
    lastDraw = now();
  };
  const logLine = (): void => {
    o.log.info(formatLogLine(state()));
    lastLog = now();
  };

  const every = o.tty ? LIVE_EVERY_MS * 5 : (o.logEveryMs ?? 10_000);
  const timer = setInterval(() => {
    if (o.tty) draw();
    else if (now() - lastLog >= every - 5) logLine();
  }, every);
  timer.unref();

  return {
    update(n) {
      if (finished) return;
      done = n;
      if (o.tty) {
        if (now() - lastDraw >= LIVE_EVERY_MS) draw();
      } else if (now() - lastLog >= every) logLine();
    },
    finish() {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      if (o.tty) {
        draw();
        write('\n');
      }
      o.log.info(formatSummary(state()));
    },
    stop() {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      if (o.tty && lastDraw > -Infinity) write('\n');
    },
  };
}
