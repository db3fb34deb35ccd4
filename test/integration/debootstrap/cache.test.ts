/**
 * The debootstrap cache under concurrency and damage, in a private cache root (the node's shared
 * cache is never cleared): four creates of one variant started together, over a truncated cache
 * tarball of that variant, detect the damage, bootstrap exactly once, never unpack the damaged file,
 * and all succeed. The variant bootstraps fast (minbase, no kernel, no bootloader, whole-disk ext4).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheInputs } from '../../../providers/debootstrap/bootstrap.js';
import debootstrapInstaller from '../../../providers/debootstrap/installer.js';
import { cacheKey, entryStem } from '../../../src/cache/key.js';
import { writeSidecar } from '../../../src/cache/sidecar.js';
import { ExecRunner } from '../../../src/process/runner.js';
import { Logger, MemorySink } from '../../../src/runtime/logger.js';
import { isRoot } from '../../helpers/disk.js';
import { installFixture, instanceEnv, leakWatch, MiB, withImage, type Fixture } from './fixture.js';

const FAST = [
  'description: minimal bookworm that bootstraps fast',
  'suite: bookworm',
  'debootstrap-variant: minbase',
  'kernel: none',
  'bootloader: none',
  'extra-pkgs: []',
  'partition-style: none',
  '',
].join('\n');

let fx: Fixture;
let cacheRoot: string;

beforeAll(() => {
  cacheRoot = join(process.env.TMPDIR ?? '/tmp', `gos-deb-cache-test-${process.pid}`);
  rmSync(cacheRoot, { recursive: true, force: true });
  fx = installFixture({ tag: 'cache', cacheRoot, variants: { fast: FAST } });
});

afterAll(() => {
  fx?.dispose();
  if (cacheRoot) rmSync(cacheRoot, { recursive: true, force: true });
});

const entries = (): string[] => readdirSync(fx.cacheDir).sort();
const bootstraps = (stderr: string): number =>
  stderr.split('\n').filter((l) => /^bootstrapping bookworm\//.test(l)).length;

/**
 * The cache entry the `fast` variant will look for, computed with the provider's own planner, made
 * from a tiny tree and then truncated: a damaged cached .tar.zst (its sidecar records the full size
 * and sha256), as a node crash or a full disk leaves it.
 */
async function plantTruncatedEntry(): Promise<string> {
  const log = new Logger('error', new MemorySink());
  const runner = new ExecRunner(log);
  const paths = {
    osDir: fx.scripts,
    configDir: fx.configDir,
    shareDir: process.cwd(),
    cacheDir: fx.cacheDir,
  };
  const { plan } = await debootstrapInstaller.configure({ paths, variant: 'fast', params: {}, runner, log });
  const inputs = cacheInputs(plan);
  const key = cacheKey(inputs);
  const stem = entryStem(inputs, key);
  mkdirSync(fx.cacheDir, { recursive: true, mode: 0o700 });
  const tree = join(fx.work, 'tiny-tree');
  mkdirSync(join(tree, 'etc'), { recursive: true });
  writeFileSync(join(tree, 'etc/debian_version'), '12.0\n');
  writeFileSync(join(tree, 'filler'), randomBytes(256 * 1024));
  const tarball = join(fx.cacheDir, `${stem}.tar.zst`);
  execFileSync('sh', ['-c', 'tar -C "$1" -cf - . | zstd -q -o "$2"', 'sh', tree, tarball]);
  const data = readFileSync(tarball);
  await writeSidecar(join(fx.cacheDir, `${stem}.json`), {
    format: 1,
    key,
    file: `${stem}.tar.zst`,
    inputs,
    createdAt: new Date().toISOString(),
    size: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
  });
  truncateSync(tarball, Math.floor(data.length / 2));
  return tarball;
}

describe.skipIf(!isRoot)('debootstrap cache', () => {
  it('four concurrent creates over a truncated cache entry: detected, rebuilt exactly once, never unpacked', async () => {
    const tarball = await plantTruncatedEntry();
    const planted = statSync(tarball).size;
    const disks: string[] = [];
    for (let i = 0; i < 4; i++) disks.push(fx.newDisk(512 * MiB, `c${i}.img`).path);
    const watch = leakWatch(fx, disks);
    const runs = await Promise.all(
      disks.map((path, i) =>
        fx.run(
          'create',
          instanceEnv({
            name: `conc${i}`,
            variant: 'fast',
            disks: [{ path, sizeMiB: 512 }],
            nics: [{ mac: `aa:00:00:00:01:0${i}` }],
          }),
        ),
      ),
    );
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    // One run found the damaged entry (size mismatch), removed it and bootstrapped; the three others
    // waited on the entry's lock and used the new entry: the tarball, or the filesystem image the
    // first of them made from it.
    const damaged = runs.filter((r) =>
      /cache: bookworm-amd64-[0-9a-f]{16} is damaged \(size \d+ differs from the recorded \d+\); rebuilding it/.test(
        r.stderr,
      ),
    );
    expect(damaged).toHaveLength(1);
    expect(runs.map((r) => bootstraps(r.stderr)).reduce((a, b) => a + b, 0)).toBe(1);
    expect(bootstraps(damaged[0]!.stderr)).toBe(1);
    expect(runs.filter((r) => /unpacked cached tree|restored cached image/.test(r.stderr)).length).toBe(3);
    expect(runs.filter((r) => r.stderr.includes('cache: making the ext4 image')).length).toBeLessThanOrEqual(
      1,
    );
    expect(watch.check()).toEqual([]);

    const files = entries();
    expect(files.filter((f) => f.endsWith('.tar.zst'))).toEqual([basename(tarball)]);
    expect(files.filter((f) => f.endsWith('.json') && !f.endsWith('.img.json'))).toHaveLength(1);
    expect(files.filter((f) => /staging|tmp/.test(f))).toEqual([]);
    const sidecar = JSON.parse(readFileSync(tarball.replace(/\.tar\.zst$/, '.json'), 'utf8')) as {
      size: number;
      sha256: string;
    };
    expect(statSync(tarball).size).toBe(sidecar.size);
    expect(sidecar.size).toBeGreaterThan(planted * 10);
    expect(createHash('sha256').update(readFileSync(tarball)).digest('hex')).toBe(sidecar.sha256);

    for (const [i, path] of disks.entries()) {
      await withImage(path, (v) => {
        expect(v.read('etc/hostname')).toBe(`conc${i}\n`);
        // A real bootstrapped tree, not the planted tiny one.
        expect(v.exists('filler')).toBe(false);
        expect(v.exists('usr/bin/apt')).toBe(true);
      });
    }
  });
});
