/**
 * The progress reporter of long work (downloads, copies, bootstraps, builds): on a terminal, one
 * live line redrawn in place at most ten times a second; otherwise (Ganeti's OS log) a log line at
 * least every 10 s, so the log shows the job alive even when nothing moves; with the JSON log
 * format, progress events instead of both. Work of unknown amount is a heartbeat: its lines say
 * the phase and the elapsed time. What is printed comes from format.ts.
 *
 * Reporters nest (a cache build around a bootstrap): only the innermost one running prints; the
 * outer ones wait silently and take over again when it ends.
 */
import { setLiveLine, type Logger } from '../runtime/logger.js';
import { formatLive, formatLogLine, formatSummary, progressEvent, type ProgressState } from './format.js';

export interface ProgressOptions {
  /** What is being done ("download debian-12.qcow2"). */
  phase: string;
  /** Amount in all, when known. */
  total?: number | undefined;
  /** Bytes already done before this run (a resumed download): shown, but not counted in the rate. */
  start?: number | undefined;
  /**
   * What is counted: 'bytes' (default), a plural noun ("packages"), or 'none' for a heartbeat (work
   * whose amount is unknown until update() says otherwise).
   */
  unit?: string;
  log: Logger;
  /** A live line on a terminal (true) or periodic log lines (false); default: stderr is a terminal
   * and the log is not JSON. */
  tty?: boolean | undefined;
  /** Where the live line goes; default stderr. */
  write?: (text: string) => void;
  /** Width of the terminal (the live line is cut to fit); default stderr's. */
  columns?: number | undefined;
  /** Interval of the log lines; default 10 000 ms. */
  logEveryMs?: number;
  /**
   * The closing line: 'always' (default), or only when the work took at least one log interval
   * ('long': short steps of a script stay out of Ganeti's log).
   */
  summary?: 'always' | 'long';
  /** Clock, for tests. */
  now?: () => number;
}

export interface UpdateOptions {
  /** The amount in all, when it became known or changed. */
  total?: number | undefined;
  /** The step the work is in now ("unpacking"); a new step restarts the rate. */
  detail?: string | undefined;
}

export interface Progress {
  /** Amount done so far (including `start`). */
  update(done: number, o?: UpdateOptions): void;
  /** Enter a step whose amount is unknown (its counts, if any, start again). */
  step(detail: string): void;
  /** Stop the timer and print the closing line. Idempotent. */
  finish(): void;
  /** Stop the timer without a closing line (the work failed; its error says why). Idempotent. */
  stop(): void;
}

const LIVE_EVERY_MS = 100;

interface Active {
  /** Draw the live line again (after a log line, or when an inner reporter ended). */
  redraw(): void;
  clear(): void;
}

/** The reporters running now, innermost last: only the last one prints. */
const running: Active[] = [];

function installLiveLine(): void {
  const top = running.at(-1);
  setLiveLine(top ? { clear: () => top.clear(), redraw: () => top.redraw() } : undefined);
}

export function createProgress(o: ProgressOptions): Progress {
  const now = o.now ?? Date.now;
  const json = o.log.isJson();
  const tty = !json && (o.tty ?? process.stderr.isTTY);
  const write = o.write ?? ((t: string) => void process.stderr.write(t));
  const columns = o.columns ?? process.stderr.columns;
  const unit = o.unit ?? 'bytes';
  const began = now();
  let stepBegan = began;
  let detail: string | undefined;
  let total = o.total;
  let start = o.start;
  let done: number | undefined = unit === 'none' ? undefined : (o.start ?? 0);
  let lastDraw = -Infinity;
  let lastLog = began;
  let logged = false;
  let finished = false;
  let width = 0;

  const state = (): ProgressState => {
    const t = now();
    return {
      phase: o.phase,
      detail,
      done,
      total,
      start,
      unit: unit === 'none' ? undefined : unit,
      elapsedMs: t - began,
      stepElapsedMs: t - stepBegan,
    };
  };
  const fit = (line: string): string =>
    columns !== undefined && columns > 1 && line.length >= columns ? line.slice(0, columns - 1) : line;
  const draw = (): void => {
    const line = fit(formatLive(state()));
    // Pad over the rest of a longer previous line instead of relying on terminal escapes.
    write(`\r${line.padEnd(width)}`);
    width = line.length;
    lastDraw = now();
  };
  const me: Active = {
    redraw: () => {
      if (!finished && width > 0) draw();
    },
    clear: () => {
      if (width > 0) write(`\r${' '.repeat(width)}\r`);
    },
  };
  const isTop = (): boolean => running.at(-1) === me;
  const logLine = (): void => {
    if (json) o.log.event('progress', progressEvent(state(), 'running'));
    else o.log.info(formatLogLine(state()));
    lastLog = now();
    logged = true;
  };
  const tick = (force: boolean): void => {
    if (!isTop()) {
      lastLog = now(); // an inner reporter is printing: this one counts as alive
      return;
    }
    if (tty) {
      if (force || now() - lastDraw >= LIVE_EVERY_MS) draw();
    } else if (force || now() - lastLog >= every) logLine();
  };

  const every = tty ? LIVE_EVERY_MS * 5 : (o.logEveryMs ?? 10_000);
  const timer = setInterval(() => {
    if (tty) tick(true);
    else if (now() - lastLog >= every - 5) tick(true);
  }, every);
  timer.unref();
  if (tty) running.at(-1)?.clear(); // an outer reporter's line gives way to this one's
  running.push(me);
  if (tty) installLiveLine();

  const end = (): void => {
    const top = isTop();
    finished = true;
    clearInterval(timer);
    const i = running.indexOf(me);
    if (i >= 0) running.splice(i, 1);
    if (tty) {
      installLiveLine();
      // The last state stays on screen; the line of a reporter that was not on top is already gone.
      if (top && lastDraw > -Infinity) write('\n');
      width = 0;
    }
  };

  return {
    update(n, u = {}) {
      if (finished) return;
      if (u.detail !== undefined && u.detail !== detail) {
        detail = u.detail;
        stepBegan = now();
        start = undefined;
        total = undefined;
        // A new step is shown (and logged in JSON) right away.
        done = n;
        if (u.total !== undefined) total = u.total;
        tick(tty || json);
        return;
      }
      done = n;
      if (u.total !== undefined) total = u.total;
      tick(false);
    },
    step(d) {
      if (finished || d === detail) return;
      detail = d;
      stepBegan = now();
      start = undefined;
      total = undefined;
      done = undefined;
      tick(tty || json);
    },
    finish() {
      if (finished) return;
      if (tty && isTop()) draw();
      end();
      if (o.summary === 'long' && !logged && now() - began < (o.logEveryMs ?? 10_000)) return;
      if (json) o.log.event('progress', progressEvent(state(), 'done'));
      else o.log.info(formatSummary(state()));
    },
    stop() {
      if (finished) return;
      end();
    },
  };
}
