import { describe, expect, it } from 'vitest';
import {
  etaMs,
  formatBytes,
  formatDuration,
  formatLive,
  formatLogLine,
  formatSummary,
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
});
