/**
 * Progress of a long write: the bytes the output file takes so far (holes a sparse copy skips are
 * not counted), sampled every second and handed to the shared progress reporter (a live line on a
 * terminal, a log line at least every 10 s in Ganeti's log).
 */
import { statSync } from 'node:fs';
import { createProgress } from '../progress/index.js';
import type { Logger } from '../runtime/logger.js';

function allocated(path: string): number {
  try {
    return statSync(path).blocks * 512;
  } catch {
    return 0;
  }
}

/** Run `work`, reporting the growth of `path` as progress of `phase`. */
export async function withProgress<T>(
  log: Logger,
  phase: string,
  path: string,
  work: () => Promise<T>,
): Promise<T> {
  const progress = createProgress({ phase, log, tty: process.stderr.isTTY });
  const timer = setInterval(() => progress.update(allocated(path)), 1000);
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
    progress.update(allocated(path));
    progress.finish();
  }
}
