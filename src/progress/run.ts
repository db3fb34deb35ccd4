/**
 * Progress around one piece of work: a reporter (reporter.ts) started before it, fed by sampling
 * (a file's growth, a descriptor's position: sample.ts) while it runs, finished when it succeeds
 * and stopped when it fails. Without a sampler it is a heartbeat: the phase and the elapsed time.
 */
import type { Logger } from '../runtime/logger.js';
import { createProgress, type Progress, type ProgressOptions } from './reporter.js';

export interface WithProgressOptions extends Pick<
  ProgressOptions,
  'total' | 'unit' | 'tty' | 'summary' | 'logEveryMs' | 'write' | 'now'
> {
  log: Logger;
  phase: string;
  /** The amount done so far, read every `sampleEveryMs`; undefined readings are skipped. */
  sample?: () => number | undefined;
  /** Default 1000 ms. */
  sampleEveryMs?: number;
}

/** Run `work` with progress reported for `phase`; the work may report through the handle too. */
export async function withProgress<T>(
  o: WithProgressOptions,
  work: (progress: Progress) => Promise<T>,
): Promise<T> {
  const { sample, sampleEveryMs, phase, log, ...rest } = o;
  const progress = createProgress({
    ...rest,
    phase,
    log,
    unit: o.unit ?? (sample ? 'bytes' : 'none'),
  });
  const read = (): void => {
    const n = sample?.();
    if (n !== undefined) progress.update(n);
  };
  const timer = sample ? setInterval(read, sampleEveryMs ?? 1000) : undefined;
  timer?.unref();
  try {
    const r = await work(progress);
    if (timer) clearInterval(timer);
    read();
    progress.finish();
    return r;
  } finally {
    if (timer) clearInterval(timer);
    progress.stop();
  }
}
