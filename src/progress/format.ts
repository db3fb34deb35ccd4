/**
 * Pure formatting of progress lines: sizes in binary units, durations, rates and the estimated time
 * left. The reporter (reporter.ts) only decides when to print; everything printed comes from here.
 */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** 1536 -> "1.5 KiB", 0 -> "0 B", 10 GiB -> "10.0 GiB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '? B';
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${v.toFixed(1)} ${UNITS[u]}`;
}

/** Milliseconds as "45s", "3m05s", "2h07m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export interface ProgressState {
  phase: string;
  /** The step within the phase ("unpacking"), when the work has steps. */
  detail?: string | undefined;
  /** Amount done so far (including `start`); undefined when the amount is unknown (a heartbeat). */
  done?: number | undefined;
  /** Amount in all, when known. */
  total?: number | undefined;
  /** Amount already done before this run or step started (a resumed download): not counted in the rate. */
  start?: number | undefined;
  /** What is counted: 'bytes' (the default) or a plural noun ("packages"). */
  unit?: string | undefined;
  /** Time since the reporter started. */
  elapsedMs: number;
  /** Time since the current step began (the base of the rate); default elapsedMs. */
  stepElapsedMs?: number | undefined;
}

function isBytes(s: ProgressState): boolean {
  return (s.unit ?? 'bytes') === 'bytes';
}

/** Bytes per second over the run, undefined until something was measured. */
export function rateOf(s: ProgressState): number | undefined {
  if (s.done === undefined) return undefined;
  const moved = s.done - (s.start ?? 0);
  const ms = s.stepElapsedMs ?? s.elapsedMs;
  if (ms < 200 || moved <= 0) return undefined;
  return (moved * 1000) / ms;
}

/** Estimated milliseconds left, when the total and a rate are known. */
export function etaMs(s: ProgressState): number | undefined {
  const rate = rateOf(s);
  if (s.total === undefined || s.done === undefined || rate === undefined) return undefined;
  return (Math.max(0, s.total - s.done) * 1000) / rate;
}

function count(n: number): string {
  return Number.isFinite(n) && n >= 0 ? String(Math.round(n)) : '?';
}

/** "512.0 MiB of 1.0 GiB (50%)", "12 of 60 packages (20%)", "12 packages"; undefined for a heartbeat. */
function amount(s: ProgressState): string | undefined {
  if (s.done === undefined) return undefined;
  const bytes = isBytes(s);
  const noun = bytes ? '' : ` ${s.unit ?? ''}`;
  const n = (v: number): string => (bytes ? formatBytes(v) : count(v));
  if (s.total === undefined) return `${n(s.done)}${noun}`;
  const pct = s.total > 0 ? Math.min(100, Math.floor((s.done * 100) / s.total)) : 100;
  return `${n(s.done)} of ${n(s.total)}${noun} (${pct}%)`;
}

/** "64.0 MiB/s", "3.2 packages/s". */
function rateText(s: ProgressState, rate: number): string {
  if (isBytes(s)) return `${formatBytes(rate)}/s`;
  return `${rate < 10 ? rate.toFixed(1) : Math.round(rate)} ${s.unit ?? ''}/s`;
}

function head(s: ProgressState): string {
  return s.detail ? `${s.phase}: ${s.detail}` : s.phase;
}

/**
 * The live terminal line: phase (and step), amount done / total, rate and time left
 * ("download a.qcow2: 512.0 MiB of 1.0 GiB (50%), 85.3 MiB/s, 6s left"); counted work and
 * heartbeats show the elapsed time too ("bootstrap bookworm: unpacking: 12 of 60 packages (20%),
 * 4.0 packages/s, 12s left, 1m02s elapsed"; "cache: pack the tree: 12s elapsed").
 */
export function formatLive(s: ProgressState): string {
  const rate = rateOf(s);
  const eta = etaMs(s);
  const parts: string[] = [];
  const a = amount(s);
  if (a !== undefined) parts.push(a);
  if (rate !== undefined) parts.push(rateText(s, rate));
  if (eta !== undefined) parts.push(`${formatDuration(eta)} left`);
  if (!isBytes(s) || s.done === undefined) parts.push(`${formatDuration(s.elapsedMs)} elapsed`);
  return `${head(s)}: ${parts.join(', ')}`;
}

/**
 * The periodic log line for a log file: phase, amount and elapsed time, and the rate when known
 * ("download a.qcow2: 512.0 MiB of 1.0 GiB (50%) after 1m02s, 8.2 MiB/s"); a heartbeat is the
 * phase and the elapsed time ("cache: pack the tree: 1m02s elapsed").
 */
export function formatLogLine(s: ProgressState): string {
  const a = amount(s);
  if (a === undefined) return `${head(s)}: ${formatDuration(s.elapsedMs)} elapsed`;
  const rate = rateOf(s);
  return `${head(s)}: ${a} after ${formatDuration(s.elapsedMs)}${rate === undefined ? '' : `, ${rateText(s, rate)}`}`;
}

/** The closing line ("download a.qcow2: 1.0 GiB in 12s (85.3 MiB/s)", "bootstrap: done in 1m02s"). */
export function formatSummary(s: ProgressState): string {
  if (!isBytes(s) || s.done === undefined) return `${s.phase}: done in ${formatDuration(s.elapsedMs)}`;
  const rate = rateOf(s);
  return `${s.phase}: ${amount(s) ?? ''} in ${formatDuration(s.elapsedMs)}${rate === undefined ? '' : ` (${formatBytes(rate)}/s)`}`;
}

/**
 * The progress event of `--log-format json`: what the lines say, as numbers (seconds for times).
 * `state` is "running" while the work goes on, "done" at its end.
 */
export function progressEvent(s: ProgressState, state: 'running' | 'done'): Record<string, unknown> {
  const rate = rateOf(s);
  const eta = etaMs(s);
  const secs = (ms: number): number => Math.round(ms / 100) / 10;
  return {
    phase: s.phase,
    ...(s.detail ? { detail: s.detail } : {}),
    ...(s.done !== undefined ? { done: s.done, unit: s.unit ?? 'bytes' } : {}),
    ...(s.total !== undefined ? { total: s.total } : {}),
    elapsed: secs(s.elapsedMs),
    ...(rate !== undefined ? { rate: Math.round(rate * 10) / 10 } : {}),
    ...(eta !== undefined ? { eta: secs(eta) } : {}),
    state,
  };
}
