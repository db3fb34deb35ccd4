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

  it('beats without an amount: "<phase>: <elapsed>" every 10 s, and the live line on a terminal', () => {
    const sink = new MemorySink();
    const p = createProgress({
      phase: 'cache: pack',
      unit: 'none',
      log: new Logger('info', sink),
      tty: false,
    });
    vi.advanceTimersByTime(25_000);
    expect(sink.lines).toEqual(['cache: pack: 10s elapsed', 'cache: pack: 20s elapsed']);
    p.finish();
    expect(sink.lines.at(-1)).toBe('cache: pack: done in 25s');

    const out: string[] = [];
    const q = createProgress({
      phase: 'restore',
      unit: 'none',
      log: new Logger('info', new MemorySink()),
      tty: true,
      write: (t) => out.push(t),
    });
    vi.advanceTimersByTime(1000);
    expect(out).toEqual(['\rrestore: 1s elapsed', '\rrestore: 1s elapsed']);
    q.stop();
  });

  it('restarts the rate at each step, and shows a step at once on a terminal', () => {
    const out: string[] = [];
    const p = createProgress({
      phase: 'bootstrap',
      unit: 'packages',
      log: new Logger('info', new MemorySink()),
      tty: true,
      write: (t) => out.push(t),
    });
    vi.advanceTimersByTime(60_000);
    p.step('installing');
    expect(out.at(-1)).toBe('\rbootstrap: installing: 1m00s elapsed'.padEnd(out.at(-2)!.length));
    vi.advanceTimersByTime(2000);
    p.update(4, { detail: 'installing, unpacking', total: 10 });
    expect(out.at(-1)).toMatch(
      /^\rbootstrap: installing, unpacking: 4 of 10 packages \(40%\), 1m02s elapsed/,
    );
    vi.advanceTimersByTime(2000);
    p.update(8, { detail: 'installing, unpacking' });
    vi.advanceTimersByTime(500); // the next redraw
    expect(out.at(-1)).toMatch(/8 of 10 packages \(80%\), 3\.2 packages\/s, 1s left, 1m05s elapsed/);
    p.finish();
  });

  it('prints JSON events instead of lines with the JSON log format, and no live line', () => {
    const sink = new MemorySink();
    const log = new Logger('info', sink, '', 'json');
    const out: string[] = [];
    const p = createProgress({ phase: 'export', total: 100, log, tty: true, write: (t) => out.push(t) });
    p.update(40);
    vi.advanceTimersByTime(10_000);
    p.update(100);
    p.finish();
    expect(out).toEqual([]);
    const events = sink.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map(({ time: _t, ...e }) => e)).toEqual([
      {
        level: 'info',
        event: 'progress',
        phase: 'export',
        done: 40,
        unit: 'bytes',
        total: 100,
        elapsed: 10,
        rate: 4,
        eta: 15,
        state: 'running',
      },
      {
        level: 'info',
        event: 'progress',
        phase: 'export',
        done: 100,
        unit: 'bytes',
        total: 100,
        elapsed: 10,
        rate: 10,
        eta: 0,
        state: 'done',
      },
    ]);
  });

  it('lets the innermost of nested reporters print, the outer ones going on after it', () => {
    const sink = new MemorySink();
    const log = new Logger('info', sink);
    const outer = createProgress({ phase: 'cache: build', unit: 'none', log, tty: false });
    vi.advanceTimersByTime(10_000);
    const inner = createProgress({ phase: 'bootstrap', unit: 'packages', log, tty: false });
    inner.update(3);
    vi.advanceTimersByTime(20_000);
    inner.finish();
    vi.advanceTimersByTime(10_000);
    outer.finish();
    expect(sink.lines).toEqual([
      'cache: build: 10s elapsed',
      'bootstrap: 3 packages after 10s, 0.3 packages/s',
      'bootstrap: 3 packages after 20s, 0.1 packages/s',
      'bootstrap: done in 20s',
      'cache: build: 40s elapsed',
      'cache: build: done in 40s',
    ]);
  });

  it('leaves short work out of the log when the closing line is only for long work', () => {
    const sink = new MemorySink();
    const log = new Logger('info', sink);
    const a = createProgress({ phase: 'export', log, tty: false, summary: 'long' });
    vi.advanceTimersByTime(3000);
    a.finish();
    expect(sink.lines).toEqual([]);
    const b = createProgress({ phase: 'export', log, tty: false, summary: 'long' });
    vi.advanceTimersByTime(12_000);
    b.finish();
    expect(sink.lines).toEqual(['export: 0 B after 10s', 'export: 0 B in 12s']);
  });
});
