/**
 * Tools whose fsyncs one later flush of the whole device covers (an install that is redone when
 * interrupted): run with eatmydata's library preloaded, which turns fsync, fdatasync and sync into
 * no-ops. The library is preloaded directly (the `eatmydata` wrapper is a shell script that costs
 * two extra processes). Without eatmydata installed the tools run as they are.
 */
import { existsSync } from 'node:fs';
import type { RunOptions } from '../process/types.js';

/** The eatmydata package's wrapper: its presence means the library is installed. */
const WRAPPER = '/usr/bin/eatmydata';
const LIBRARY = 'libeatmydata.so';

/** Whether eatmydata is installed (read once). */
let installed: boolean | undefined;
export function eatmydataInstalled(): boolean {
  return (installed ??= existsSync(WRAPPER));
}

/** The environment that preloads eatmydata, or undefined when it is not installed (pure given its inputs). */
export function noSyncEnv(
  available: boolean = eatmydataInstalled(),
  preload: string | undefined = process.env.LD_PRELOAD,
): Record<string, string> | undefined {
  if (!available) return undefined;
  return { LD_PRELOAD: preload ? `${preload} ${LIBRARY}` : LIBRARY };
}

/** Runner options with noSyncEnv added when eatmydata is installed. */
export function withoutSync(options: RunOptions): RunOptions {
  const env = noSyncEnv();
  return env ? { ...options, env } : options;
}
