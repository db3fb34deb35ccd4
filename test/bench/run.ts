/**
 * `npm run bench`: every benchmark, each printing `RATIO name value limit verdict` lines, then a
 * summary. Benchmarks that need Ganeti or a mirror say so and are skipped when those are missing.
 * Select some with `npm run bench -- startup noop-stream`.
 */
import { $ } from 'zx';
import { benchStartup } from './startup.js';
import { benchNoopStream } from './noop-stream.js';
import type { RatioLine } from './lib.js';

type Bench = { name: string; run: () => Promise<RatioLine[]> };

const benches: Bench[] = [
  { name: 'startup', run: () => benchStartup() },
  { name: 'noop-stream', run: () => benchNoopStream(Number(process.env.BENCH_SIZE_MIB ?? 1024)) },
  {
    name: 'ganeti-noop',
    run: async () =>
      (
        (await import('./ganeti-noop.js')) as { benchGanetiNoop: () => Promise<RatioLine[]> }
      ).benchGanetiNoop(),
  },
  {
    name: 'debootstrap',
    run: async () =>
      (
        (await import('./debootstrap.js')) as { benchDebootstrap: (what?: string) => Promise<RatioLine[]> }
      ).benchDebootstrap('all'),
  },
  {
    name: 'image',
    run: async () =>
      ((await import('./image.js')) as { benchImage: (what?: string) => Promise<RatioLine[]> }).benchImage(
        'all',
      ),
  },
];

$.verbose = false;
await $`npm run --silent build`;
const wanted = process.argv.slice(2);
const lines: RatioLine[] = [];
for (const b of benches) {
  if (wanted.length > 0 && !wanted.includes(b.name)) continue;
  console.log(`== ${b.name}`);
  try {
    lines.push(...(await b.run()));
  } catch (e) {
    console.log(`   ${b.name} failed: ${(e as Error).message}`);
    lines.push({ name: b.name, ratio: NaN, limit: NaN, ok: false, ours: NaN, peer: NaN });
  }
}
console.log('== summary');
for (const l of lines)
  console.log(`RATIO ${l.name} ${l.ratio.toFixed(3)} limit ${l.limit.toFixed(3)} ${l.ok ? 'PASS' : 'FAIL'}`);
process.exitCode = lines.every((l) => l.ok) ? 0 : 1;
