import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Logger, MemorySink } from '../runtime/logger.js';
import { createProgress } from './reporter.js';

const MiB = 1024 * 1024;

describe('createProgress', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('logs a line at least every 10 s without a terminal, even when nothing moves', () => {
    const sink = new MemorySink();
    const p = createProgress({
      phase: 'download x',
      total: 100 * MiB,
      log: new Logger('info', sink),
      tty: false,
    });
    p.update(10 * MiB);
    expect(sink.lines).toEqual([]);
    vi.advanceTimersByTime(10_000);
    expect(sink.lines).toEqual(['download x: 10.0 MiB of 100.0 MiB (10%) after 10s, 1.0 MiB/s']);
    vi.advanceTimersByTime(10_000); // stalled: still a line
    expect(sink.lines).toHaveLength(2);
    expect(sink.lines[1]).toMatch(/after 20s/);
    p.update(100 * MiB);
    p.finish();
    p.finish();
    expect(sink.lines).toHaveLength(3);
    expect(sink.lines[2]).toBe('download x: 100.0 MiB of 100.0 MiB (100%) in 20s (5.0 MiB/s)');
    vi.advanceTimersByTime(60_000);
    expect(sink.lines).toHaveLength(3);
  });

  it('stops without a closing line when the work failed', () => {
    const sink = new MemorySink();
    const out: string[] = [];
    const p = createProgress({
      phase: 'x',
      log: new Logger('info', sink),
      tty: true,
      write: (t) => out.push(t),
    });
    p.update(5);
    p.stop();
    p.finish();
    vi.advanceTimersByTime(60_000);
    expect(out).toEqual(['\rx: 5 B', '\n']);
    expect(sink.lines).toEqual([]);
  });

  it('redraws one live line on a terminal, at most ten times a second', () => {
    const out: string[] = [];
    const sink = new MemorySink();
    const p = createProgress({
      phase: 'download x',
      total: 10 * MiB,
      log: new Logger('info', sink),
      tty: true,
      write: (t) => out.push(t),
    });
    p.update(1 * MiB);
    p.update(2 * MiB); // same instant: not drawn
    expect(out).toHaveLength(1);
    vi.advanceTimersByTime(500); // the timer redraws while nothing is reported
    expect(out).toHaveLength(2);
    vi.advanceTimersByTime(500);
    p.update(5 * MiB); // drawn at the next tick
    vi.advanceTimersByTime(500);
    expect(out.at(-1)).toMatch(/^\rdownload x: 5\.0 MiB of 10\.0 MiB \(50%\), 3\.3 MiB\/s, 2s left/);
    p.finish();
    expect(out.at(-1)).toBe('\n');
    expect(out.every((t) => t === '\n' || t.startsWith('\r'))).toBe(true);
    expect(sink.lines).toEqual(['download x: 5.0 MiB of 10.0 MiB (50%) in 2s (3.3 MiB/s)']);
  });
});
