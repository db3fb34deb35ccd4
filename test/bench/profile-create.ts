/**
 * Where a warm debootstrap create spends its time: one create in the benchmark's setup (its warm
 * cache, a fresh 3 GiB file disk, page caches dropped first) at DEBUG_LEVEL=1, each line of its log
 * prefixed with the seconds since the script started, as it arrives. Commands show as `$ ...` lines;
 * the gap to the next line is (about) their duration.
 *
 *   npx tsx test/bench/profile-create.ts
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ensureWarm, freshDisk, ganetiEnv, OURS_WRAP, setup } from './debootstrap.js';
import { dropCaches } from './lib.js';

const b = await setup();
await ensureWarm(b);
const disk = freshDisk(join(b.disks, 'profile.img'));
dropCaches();
const started = process.hrtime.bigint();
const since = (): string => (Number(process.hrtime.bigint() - started) / 1e9).toFixed(3).padStart(7);
const child = spawn(OURS_WRAP[0]!, [...OURS_WRAP.slice(1), join(b.ours.warm, 'create')], {
  cwd: b.ours.warm,
  env: { PATH: '/sbin:/bin:/usr/sbin:/usr/bin', ...ganetiEnv(disk), DEBUG_LEVEL: '1' },
  stdio: ['ignore', 'inherit', 'pipe'],
});
createInterface({ input: child.stderr }).on('line', (l) => console.log(`${since()}  ${l}`));
const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
console.log(`${since()}  exit ${code}`);
rmSync(disk, { force: true });
process.exitCode = code ?? 1;
