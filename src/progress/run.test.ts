import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Logger, MemorySink } from '../runtime/logger.js';
import { withProgress } from './run.js';

describe('withProgress', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('samples the amount while the work runs, and closes with a summary', async () => {
    const sink = new MemorySink();
    let bytes = 0;
    const work = withProgress(
      { log: new Logger('info', sink), phase: 'copy', tty: false, sample: () => (bytes += 1024 * 1024) },
      () => new Promise<string>((resolve) => setTimeout(() => resolve('ok'), 12_500)),
    );
    await vi.advanceTimersByTimeAsync(13_000);
    await expect(work).resolves.toBe('ok');
    expect(sink.lines[0]).toBe('copy: 9.0 MiB after 10s, 921.6 KiB/s'); // the log line comes before the 10th sample
    expect(sink.lines[1]).toMatch(/^copy: 13\.0 MiB in 13s/);
    expect(sink.lines).toHaveLength(2);
  });

  it('is a heartbeat without a sampler, and stops without a summary when the work fails', async () => {
    const sink = new MemorySink();
    const work = withProgress({ log: new Logger('info', sink), phase: 'e2fsck', tty: false }, async () => {
      await new Promise((r) => setTimeout(r, 21_000));
      throw new Error('broken');
    });
    const settled = expect(work).rejects.toThrow('broken');
    await vi.advanceTimersByTimeAsync(30_000);
    await settled;
    expect(sink.lines).toEqual(['e2fsck: 10s elapsed', 'e2fsck: 20s elapsed']);
  });
});
