/**
 * Benchmark helpers: interleaved runs of ours and the peer on the same input in the same process,
 * medians (this machine is noisy), and one `RATIO name value limit verdict` line per comparison.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export async function timeIt(fn: () => Promise<void> | void): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

/** Run `ours` and `peer` alternately `runs` times (after `warmup` untimed rounds); seconds per run. */
export async function interleave(
  runs: number,
  ours: () => Promise<void> | void,
  peer: () => Promise<void> | void,
  warmup = 1,
  before?: () => void,
): Promise<{ ours: number[]; peer: number[] }> {
  for (let i = 0; i < warmup; i++) {
    await ours();
    await peer();
  }
  const r = { ours: [] as number[], peer: [] as number[] };
  for (let i = 0; i < runs; i++) {
    // alternate who goes first, so neither always meets a warmer machine
    const order = i % 2 === 0 ? (['ours', 'peer'] as const) : (['peer', 'ours'] as const);
    for (const who of order) {
      before?.();
      r[who].push(await timeIt(who === 'ours' ? ours : peer));
    }
  }
  return r;
}

export interface RatioLine {
  name: string;
  ratio: number;
  limit: number;
  ok: boolean;
  ours: number;
  peer: number;
}

/** ratio = ours/peer time (lower is better), compared with `limit`. */
export function report(
  name: string,
  times: { ours: number[]; peer: number[] },
  limit: number,
  unit = 's',
): RatioLine {
  const ours = median(times.ours);
  const peer = median(times.peer);
  const ratio = ours / peer;
  const ok = ratio <= limit;
  const fmt = (x: number): string => (unit === 'ms' ? `${(x * 1000).toFixed(1)} ms` : `${x.toFixed(3)} s`);
  console.log(
    `  ${name}: ours median ${fmt(ours)} (${times.ours.length} runs), peer median ${fmt(peer)} (${times.peer.length} runs)`,
  );
  const all = (xs: number[]): string => xs.map(fmt).join(', ');
  console.log(`    runs: ours ${all(times.ours)}; peer ${all(times.peer)}`);
  console.log(`RATIO ${name} ${ratio.toFixed(3)} limit ${limit} ${ok ? 'PASS' : 'FAIL'}`);
  return { name, ratio, limit, ok, ours, peer };
}

export function dropCaches(): void {
  execFileSync('sync');
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3\n');
  } catch {
    // not root or not allowed: measure with warm caches
  }
}

/** `ganeti-os install` of built-in providers into `<work>/os` (its bundle in `<work>/lib`), quietly. */
export function installInto(work: string, names: readonly string[]): void {
  const os = join(work, 'os');
  execFileSync(
    process.execPath,
    [
      'dist/ganeti-os.mjs',
      'install',
      '--os-dir',
      os,
      '--lib-dir',
      join(work, 'lib'),
      '--search-path',
      os,
      ...names,
    ],
    { stdio: 'ignore' },
  );
}
