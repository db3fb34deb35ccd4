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
  /** Bytes done so far (including `start`). */
  done: number;
  /** Bytes in all, when known. */
  total?: number | undefined;
  /** Bytes already done before this run started (a resumed download): not counted in the rate. */
  start?: number | undefined;
  /** Time since the reporter started. */
  elapsedMs: number;
}

/** Bytes per second over the run, undefined until something was measured. */
export function rateOf(s: ProgressState): number | undefined {
  const moved = s.done - (s.start ?? 0);
  if (s.elapsedMs < 200 || moved <= 0) return undefined;
  return (moved * 1000) / s.elapsedMs;
}

/** Estimated milliseconds left, when the total and a rate are known. */
export function etaMs(s: ProgressState): number | undefined {
  const rate = rateOf(s);
  if (s.total === undefined || rate === undefined) return undefined;
  return (Math.max(0, s.total - s.done) * 1000) / rate;
}

function amount(s: ProgressState): string {
  if (s.total === undefined) return formatBytes(s.done);
  const pct = s.total > 0 ? Math.min(100, Math.floor((s.done * 100) / s.total)) : 100;
  return `${formatBytes(s.done)} of ${formatBytes(s.total)} (${pct}%)`;
}

/**
 * The live terminal line: phase, bytes done / total, rate and time left
 * ("download a.qcow2: 512.0 MiB of 1.0 GiB (50%), 85.3 MiB/s, 6s left").
 */
export function formatLive(s: ProgressState): string {
  const rate = rateOf(s);
  const eta = etaMs(s);
  const parts = [amount(s)];
  if (rate !== undefined) parts.push(`${formatBytes(rate)}/s`);
  if (eta !== undefined) parts.push(`${formatDuration(eta)} left`);
  return `${s.phase}: ${parts.join(', ')}`;
}

/**
 * The periodic log line for a log file: phase, bytes and elapsed time, and the rate when known
 * ("download a.qcow2: 512.0 MiB of 1.0 GiB (50%) after 1m02s, 8.2 MiB/s").
 */
export function formatLogLine(s: ProgressState): string {
  const rate = rateOf(s);
  return `${s.phase}: ${amount(s)} after ${formatDuration(s.elapsedMs)}${rate === undefined ? '' : `, ${formatBytes(rate)}/s`}`;
}

/** The closing line ("download a.qcow2: 1.0 GiB in 12s (85.3 MiB/s)"). */
export function formatSummary(s: ProgressState): string {
  const rate = rateOf(s);
  return `${s.phase}: ${amount(s)} in ${formatDuration(s.elapsedMs)}${rate === undefined ? '' : ` (${formatBytes(rate)}/s)`}`;
}
