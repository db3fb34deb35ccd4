import { describe, expect, it } from 'vitest';
import {
  etaMs,
  formatBytes,
  formatDuration,
  formatLive,
  formatLogLine,
  formatSummary,
  progressEvent,
  rateOf,
} from './format.js';

const MiB = 1024 * 1024;

describe('progress formatting', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [10 * MiB, '10.0 MiB'],
    [3 * 1024 * MiB, '3.0 GiB'],
    [-1, '? B'],
  ])('formats %d bytes as %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });

  it.each([
    [0, '0s'],
    [44_600, '45s'],
    [185_000, '3m05s'],
    [7_620_000, '2h07m'],
    [Infinity, '?'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('computes the rate without the bytes of a resumed start, and the time left', () => {
    const s = { phase: 'x', done: 60 * MiB, start: 20 * MiB, total: 100 * MiB, elapsedMs: 4000 };
    expect(rateOf(s)).toBe(10 * MiB);
    expect(etaMs(s)).toBe(4000);
    expect(rateOf({ ...s, elapsedMs: 10 })).toBeUndefined();
    expect(etaMs({ ...s, total: undefined })).toBeUndefined();
  });

  it('writes the live line with phase, bytes, total, rate and time left', () => {
    expect(
      formatLive({ phase: 'download a.qcow2', done: 512 * MiB, total: 1024 * MiB, elapsedMs: 8000 }),
    ).toBe('download a.qcow2: 512.0 MiB of 1.0 GiB (50%), 64.0 MiB/s, 8s left');
    expect(formatLive({ phase: 'copy', done: 5 * MiB, elapsedMs: 0 })).toBe('copy: 5.0 MiB');
  });

  it('writes log lines with bytes and elapsed time, and a summary', () => {
    const s = { phase: 'download a.raw', done: 30 * MiB, total: 120 * MiB, elapsedMs: 62_000 };
    expect(formatLogLine(s)).toBe('download a.raw: 30.0 MiB of 120.0 MiB (25%) after 1m02s, 495.5 KiB/s');
    expect(formatLogLine({ ...s, total: undefined, done: 0 })).toBe('download a.raw: 0 B after 1m02s');
    expect(formatSummary({ ...s, done: 120 * MiB, elapsedMs: 12_000 })).toBe(
      'download a.raw: 120.0 MiB of 120.0 MiB (100%) in 12s (10.0 MiB/s)',
    );
  });

  it('writes counted work with its unit, step, rate of the step and elapsed time', () => {
    const s = {
      phase: 'bootstrap bookworm/amd64',
      detail: 'installing essential packages, unpacking',
      unit: 'packages',
      done: 12,
      total: 60,
      elapsedMs: 62_000,
      stepElapsedMs: 4000,
    };
    expect(formatLive(s)).toBe(
      'bootstrap bookworm/amd64: installing essential packages, unpacking: 12 of 60 packages (20%), 3.0 packages/s, 16s left, 1m02s elapsed',
    );
    expect(formatLogLine(s)).toBe(
      'bootstrap bookworm/amd64: installing essential packages, unpacking: 12 of 60 packages (20%) after 1m02s, 3.0 packages/s',
    );
    expect(formatSummary(s)).toBe('bootstrap bookworm/amd64: done in 1m02s');
    expect(formatLive({ ...s, done: 120, total: undefined, stepElapsedMs: 8000 })).toMatch(
      /: 120 packages, 15 packages\/s, 1m02s elapsed$/,
    );
  });

  it('writes a heartbeat (no amount) as the phase and the elapsed time', () => {
    const s = { phase: 'cache: pack the tree', elapsedMs: 21_000 };
    expect(formatLive(s)).toBe('cache: pack the tree: 21s elapsed');
    expect(formatLogLine(s)).toBe('cache: pack the tree: 21s elapsed');
    expect(formatLogLine({ ...s, detail: 'extracting archives' })).toBe(
      'cache: pack the tree: extracting archives: 21s elapsed',
    );
    expect(formatSummary(s)).toBe('cache: pack the tree: done in 21s');
    expect(rateOf(s)).toBeUndefined();
    expect(etaMs(s)).toBeUndefined();
  });

  it('makes JSON progress events of the same state, times in seconds', () => {
    expect(
      progressEvent(
        { phase: 'download a.raw', done: 30 * MiB, total: 120 * MiB, elapsedMs: 10_000 },
        'running',
      ),
    ).toEqual({
      phase: 'download a.raw',
      done: 30 * MiB,
      unit: 'bytes',
      total: 120 * MiB,
      elapsed: 10,
      rate: 3 * MiB,
      eta: 30,
      state: 'running',
    });
    expect(progressEvent({ phase: 'x', detail: 'y', elapsedMs: 1234 }, 'done')).toEqual({
      phase: 'x',
      detail: 'y',
      elapsed: 1.2,
      state: 'done',
    });
  });
});
