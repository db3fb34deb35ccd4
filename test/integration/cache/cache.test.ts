/**
 * The bootstrap cache for real, as root: GNU tar + zstd through the pipeline, flock locking across
 * processes, metadata (owners, xattrs, ACLs, file capabilities, sparse files, hardlinks, devices)
 * surviving a round trip, corruption and expiry handling, and the admin API.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmod,
  chown,
  link,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  truncate,
  writeFile,
  open,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cacheKey,
  clearCache,
  installFromCache,
  listCache,
  lockFile,
  pruneCache,
  removeTreeSafely,
  withCacheEntry,
} from '../../../src/cache/index.js';
import { writeImageSidecar } from '../../../src/fetch/entry.js';
import { isOsError } from '../../../src/runtime/errors.js';
import { Logger, MemorySink } from '../../../src/runtime/logger.js';

let base: string;
let dir: string;
let sink: MemorySink;
let log: Logger;
const mounted: string[] = [];

const inputs = {
  suite: 'bookworm',
  arch: 'amd64',
  mirror: 'http://deb.debian.org/debian',
  components: ['main'],
  packages: ['openssh-server'],
};
const key = cacheKey(inputs);

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'cache-test-'));
  dir = join(base, 'cache', 'debootstrap');
  sink = new MemorySink();
  log = new Logger('debug', sink);
});
afterEach(async () => {
  for (const m of mounted.splice(0)) execFileSync('umount', [m]);
  await rm(base, { recursive: true, force: true });
  expect(execFileSync('findmnt', ['-rn', '-o', 'TARGET']).toString()).not.toContain(base);
});

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8' });
}

function counting(
  fill: (staging: string) => Promise<void> = async (s) => writeFile(join(s, 'hello'), 'world\n'),
) {
  const calls: string[] = [];
  const build = async (staging: string): Promise<void> => {
    calls.push(staging);
    await fill(staging);
  };
  return { calls, build };
}

async function cacheFiles(): Promise<string[]> {
  return (await readdir(dir)).sort();
}

describe('withCacheEntry', () => {
  it('builds on a miss, stores tarball + sidecar atomically, reuses on a hit', async () => {
    const b = counting();
    const first = await withCacheEntry(key, b.build, { dir, inputs, log });
    expect(first.hit).toBe(false);
    expect(first.path).toBe(join(dir, `bookworm-amd64-${key.slice(0, 16)}.tar.zst`));
    const second = await withCacheEntry(key, b.build, { dir, inputs, log });
    expect(second.hit).toBe(true);
    expect(b.calls).toHaveLength(1);
    const stem = `bookworm-amd64-${key.slice(0, 16)}`;
    expect(await cacheFiles()).toEqual([`${stem}.json`, `${stem}.lock`, `${stem}.tar.zst`]);
    const sidecar = JSON.parse(await readFile(join(dir, `${stem}.json`), 'utf8')) as { sha256: string };
    expect(sidecar).toMatchObject({
      format: 1,
      key,
      file: `${stem}.tar.zst`,
      inputs,
      size: (await stat(first.path)).size,
    });
    expect(sidecar.sha256).toBe(sh('sha256sum', [first.path]).split(' ')[0]);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    sh('zstd', ['-q', '-t', first.path]);
    expect(sh('sh', ['-c', `zstd -dc ${first.path} | tar -tf -`]).split('\n')).toContain('./hello');
  });

  it('different inputs give different entries', async () => {
    const b = counting();
    await withCacheEntry(key, b.build, { dir, inputs, log });
    const other = { ...inputs, packages: ['openssh-server', 'vim'] };
    const r = await withCacheEntry(cacheKey(other), b.build, { dir, inputs: other, log });
    expect(r.hit).toBe(false);
    expect(b.calls).toHaveLength(2);
  });

  it('detects a corrupt tarball (same size), deletes it and rebuilds', async () => {
    const b = counting();
    const { path } = await withCacheEntry(key, b.build, { dir, inputs, log });
    const fh = await open(path, 'r+');
    await fh.write(Buffer.from([0xff, 0xff, 0xff, 0xff]), 0, 4, 20);
    await fh.close();
    const r = await withCacheEntry(key, b.build, { dir, inputs, log });
    expect(r.hit).toBe(false);
    expect(b.calls).toHaveLength(2);
    expect(sink.lines.some((l) => /warn: cache: .* is damaged \(sha256/.test(l))).toBe(true);
    expect((await withCacheEntry(key, b.build, { dir, inputs, log })).hit).toBe(true);
  });

  it('detects a truncated tarball and a missing sidecar', async () => {
    const b = counting();
    const { path } = await withCacheEntry(key, b.build, { dir, inputs, log });
    await truncate(path, 10);
    expect((await withCacheEntry(key, b.build, { dir, inputs, log })).hit).toBe(false);
    await rm(path.replace(/\.tar\.zst$/, '.json'));
    expect((await withCacheEntry(key, b.build, { dir, inputs, log })).hit).toBe(false);
    expect(b.calls).toHaveLength(3);
  });

  it('checks with zstd -t when asked', async () => {
    const b = counting();
    const { path } = await withCacheEntry(key, b.build, { dir, inputs, log });
    const fh = await open(path, 'r+');
    await fh.write(Buffer.from('garbage!'), 0, 8, 30);
    await fh.close();
    expect((await withCacheEntry(key, b.build, { dir, inputs, log, verify: 'zstd' })).hit).toBe(false);
  });

  it('rebuilds entries older than maxAgeDays, keeps them with never', async () => {
    const b = counting();
    await withCacheEntry(key, b.build, { dir, inputs, log });
    const later = () => Date.now() + 15 * 86_400_000;
    expect(
      (await withCacheEntry(key, b.build, { dir, inputs, log, now: later, maxAgeDays: 'never' })).hit,
    ).toBe(true);
    expect((await withCacheEntry(key, b.build, { dir, inputs, log, now: later, maxAgeDays: 30 })).hit).toBe(
      true,
    );
    expect((await withCacheEntry(key, b.build, { dir, inputs, log, now: later, maxAgeDays: 14 })).hit).toBe(
      false,
    );
    expect(b.calls).toHaveLength(2);
  });

  it('a failed build leaves nothing behind and releases the lock', async () => {
    const failing = async (staging: string): Promise<void> => {
      await writeFile(join(staging, 'half'), 'x');
      throw new Error('debootstrap exploded');
    };
    await expect(withCacheEntry(key, failing, { dir, inputs, log })).rejects.toThrow('debootstrap exploded');
    expect(await cacheFiles()).toEqual([`bookworm-amd64-${key.slice(0, 16)}.lock`]);
    expect((await withCacheEntry(key, counting().build, { dir, inputs, log, lockTimeoutSec: 1 })).hit).toBe(
      false,
    );
  });

  it('never deletes a staging tree with something mounted below it', async () => {
    const build = async (staging: string): Promise<void> => {
      await mkdir(join(staging, 'proc'));
      execFileSync('mount', ['-t', 'tmpfs', 'none', join(staging, 'proc')]);
      mounted.push(join(staging, 'proc'));
      throw new Error('bootstrap failed with /proc still mounted');
    };
    await expect(withCacheEntry(key, build, { dir, inputs, log })).rejects.toThrow(
      'bootstrap failed with /proc still mounted',
    );
    expect(sink.lines.some((l) => /^warn: cache: not removing .* is still mounted/.test(l))).toBe(true);
    const staging = (await readdir(dir)).find((n) => n.includes('.staging-'));
    expect(staging).toBeDefined();
    let err: unknown;
    try {
      await removeTreeSafely(join(dir, staging!));
    } catch (e) {
      err = e;
    }
    expect(isOsError(err) && err.code).toBe('E_CACHE_MOUNTED');
  });

  it('four concurrent processes with an empty cache build exactly once', async () => {
    const counter = join(base, 'builds');
    await writeFile(counter, '');
    const script = join(import.meta.dirname, 'fixtures', 'concurrent-builder.ts');
    const runs = await Promise.all(
      [1, 2, 3, 4].map(
        () =>
          new Promise<{ pid: number; hit: boolean; path: string }>((resolve, reject) => {
            const c = spawn(process.execPath, ['--import', 'tsx', script, dir, counter], {
              stdio: ['ignore', 'pipe', 'inherit'],
            });
            let out = '';
            c.stdout.on('data', (d: Buffer) => (out += d.toString()));
            c.on('exit', (code) =>
              code === 0
                ? resolve(JSON.parse(out) as { pid: number; hit: boolean; path: string })
                : reject(new Error(`builder exited ${code}`)),
            );
          }),
      ),
    );
    const builders = (await readFile(counter, 'utf8')).trim().split('\n');
    expect(builders).toHaveLength(1);
    expect(runs.filter((r) => !r.hit).map((r) => String(r.pid))).toEqual(builders);
    expect(new Set(runs.map((r) => r.path)).size).toBe(1);
  }, 60_000);
});

describe('installFromCache', () => {
  async function richTree(root: string): Promise<void> {
    await mkdir(join(root, 'usr/bin'), { recursive: true });
    await writeFile(join(root, 'usr/bin/ping'), '#!/bin/sh\n');
    await chmod(join(root, 'usr/bin/ping'), 0o755);
    sh('setcap', ['cap_net_raw+ep', join(root, 'usr/bin/ping')]);
    await writeFile(join(root, 'tagged'), 'x');
    sh('setfattr', ['-n', 'user.x', '-v', 'hello', join(root, 'tagged')]);
    sh('setfacl', ['-m', 'u:1234:rw', join(root, 'tagged')]);
    await writeFile(join(root, 'owned'), 'o');
    await chown(join(root, 'owned'), 1234, 5678);
    await chmod(join(root, 'owned'), 0o4750);
    await writeFile(join(root, 'sparse'), '');
    await truncate(join(root, 'sparse'), 1024 ** 3);
    await link(join(root, 'owned'), join(root, 'owned-link'));
    await symlink('usr/bin', join(root, 'bin'));
    sh('mknod', [join(root, 'null'), 'c', '1', '3']);
  }

  async function check(target: string): Promise<void> {
    expect(sh('getcap', [join(target, 'usr/bin/ping')])).toMatch(/cap_net_raw[=+]ep/);
    expect(sh('getfattr', ['--only-values', '-n', 'user.x', join(target, 'tagged')])).toBe('hello');
    expect(sh('getfacl', ['-cp', join(target, 'tagged')])).toContain('user:1234:rw-');
    const owned = await stat(join(target, 'owned'));
    expect([owned.uid, owned.gid, owned.mode & 0o7777, owned.nlink]).toEqual([1234, 5678, 0o4750, 2]);
    expect((await stat(join(target, 'owned-link'))).ino).toBe(owned.ino);
    const sparse = await stat(join(target, 'sparse'));
    expect([sparse.size, sparse.blocks * 512 < 1024 * 1024]).toEqual([1024 ** 3, true]);
    expect((await stat(join(target, 'null'))).rdev).toBe((await stat('/dev/null')).rdev);
    expect((await stat(target)).mode & 0o777).toBe(0o755);
  }

  it('extracts the cached tree with owners, modes, xattrs, ACLs, capabilities, sparse files', async () => {
    const b = counting(richTree);
    const t1 = join(base, 't1');
    const t2 = join(base, 't2');
    await mkdir(t1, { mode: 0o700 });
    await mkdir(t2, { mode: 0o700 });
    expect(await installFromCache(t1, key, b.build, { dir, inputs, log })).toMatchObject({ source: 'built' });
    expect(await installFromCache(t2, key, b.build, { dir, inputs, log })).toMatchObject({ source: 'cache' });
    expect(b.calls).toHaveLength(1);
    await check(t1);
    await check(t2);
  });

  it('generateCache false builds straight into the target and stores nothing', async () => {
    const b = counting();
    const t = join(base, 't');
    await mkdir(t);
    expect(await installFromCache(t, key, b.build, { dir, inputs, log, generateCache: false })).toEqual({
      source: 'direct',
    });
    expect(b.calls).toEqual([t]);
    expect(await readFile(join(t, 'hello'), 'utf8')).toBe('world\n');
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
  });
});

describe('cache administration', () => {
  it('lists entries as plain JSON-friendly data', async () => {
    expect(await listCache({ dir })).toEqual([]);
    await withCacheEntry(key, counting().build, { dir, inputs, log });
    const [e] = await listCache({ dir, verify: true });
    expect(JSON.parse(JSON.stringify(e))).toEqual(e);
    expect(e).toMatchObject({
      name: `bookworm-amd64-${key.slice(0, 16)}`,
      key,
      suite: 'bookworm',
      arch: 'amd64',
      status: 'ok',
      leftovers: [],
      inputs,
    });
    expect(e!.ageDays).toBe(0);
  });

  it('prunes expired entries and leftovers of killed builds, skipping entries in use', async () => {
    const old = { ...inputs, suite: 'bullseye' };
    await withCacheEntry(cacheKey(old), counting().build, {
      dir,
      inputs: old,
      log,
      now: () => Date.now() - 20 * 86_400_000,
    });
    await withCacheEntry(key, counting().build, { dir, inputs, log });
    // A build killed by SIGKILL left a staging tree and a temp tarball, for an entry never published.
    const killedStem = `trixie-amd64-${'0'.repeat(16)}`;
    await mkdir(join(dir, `.${killedStem}.staging-AbC123`, 'etc'), { recursive: true });
    await writeFile(join(dir, `.${killedStem}.tar.zst.tmp-0badc0de`), 'partial');
    // An entry being built right now (its lock is held) must survive.
    const busyStem = `sid-amd64-${'1'.repeat(16)}`;
    await mkdir(join(dir, `.${busyStem}.staging-XyZ789`));
    const held = await lockFile(join(dir, `${busyStem}.lock`), { log });
    try {
      const r = await pruneCache({ dir, log, olderThanDays: 14 });
      expect(r.removed.map((x) => [x.name.split('-')[0], x.reason]).sort()).toEqual([
        ['bullseye', 'expired'],
        ['trixie', 'incomplete'],
      ]);
      expect(r.kept).toEqual([`bookworm-amd64-${key.slice(0, 16)}`]);
      expect(r.busy).toEqual([busyStem]);
    } finally {
      held.release();
    }
    expect((await readdir(dir)).filter((n) => n.includes('trixie') && !n.endsWith('.lock'))).toEqual([]);
    expect((await listCache({ dir })).map((e) => e.status).sort()).toEqual(['incomplete', 'ok']);
  });

  it('clears everything not in use', async () => {
    await withCacheEntry(key, counting().build, { dir, inputs, log });
    const r = await clearCache({ dir, log });
    expect(r.removed).toHaveLength(1);
    expect(await listCache({ dir })).toEqual([]);
  });

  it('a held lock makes a second locker wait, then time out with E_CACHE_LOCKED', async () => {
    await mkdir(dir, { recursive: true });
    const held = await lockFile(join(dir, 'x.lock'), { log });
    try {
      const started = Date.now();
      let err: unknown;
      try {
        await lockFile(join(dir, 'x.lock'), { log, timeoutSec: 1 });
      } catch (e) {
        err = e;
      }
      expect(isOsError(err) && err.code).toBe('E_CACHE_LOCKED');
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      // flock(1) sees our lock too.
      expect(() => execFileSync('flock', ['-n', join(dir, 'x.lock'), 'true'])).toThrow();
    } finally {
      held.release();
    }
    execFileSync('flock', ['-n', join(dir, 'x.lock'), 'true']);
  });
});

describe('cache administration of downloaded images', () => {
  const day = 86_400_000;

  /** An image entry as fetchImage stores it, used last `idle` days ago. */
  async function storeImage(name: string, content: string, idle = 0): Promise<string> {
    const sum = createHash('sha256').update(content).digest('hex');
    const images = join(dir, 'images');
    await mkdir(images, { recursive: true });
    const file = join(images, `sha256-${sum}.image`);
    await writeFile(file, content);
    const st = await stat(file);
    await writeImageSidecar(join(images, `sha256-${sum}.json`), {
      format: 1,
      kind: 'image',
      name,
      url: `https://images.example.org/${name}`,
      algo: 'sha256',
      checksum: sum,
      sha256: sum,
      size: st.size,
      mtimeMs: st.mtimeMs,
      createdAt: new Date(Date.now() - (idle + 1) * day).toISOString(),
      usedAt: new Date(Date.now() - idle * day).toISOString(),
    });
    return `sha256-${sum}`;
  }

  it('lists images with their name, URL, size and age next to the trees', async () => {
    await withCacheEntry(key, counting().build, { dir, inputs, log });
    const stem = await storeImage('debian-12.qcow2', 'qcow2 bytes');
    const list = await listCache({ dir });
    expect(list.map((e) => [e.kind, e.name])).toEqual([
      ['tree', `bookworm-amd64-${key.slice(0, 16)}`],
      ['image', 'debian-12.qcow2'],
    ]);
    expect(list[1]).toMatchObject({
      url: 'https://images.example.org/debian-12.qcow2',
      path: join(dir, 'images', `${stem}.image`),
      key: `sha256:${stem.slice(7)}`,
      sizeBytes: 11,
      ageDays: 1,
      status: 'ok',
      leftovers: [],
    });
    expect(JSON.parse(JSON.stringify(list))).toEqual(list);
    // --verify rehashes: a changed byte (same size) is found.
    await writeFile(join(dir, 'images', `${stem}.image`), 'QCOW2 bytes');
    expect((await listCache({ dir, verify: true }))[1]!.status).toBe('sha-mismatch');
  });

  it('prunes images unused for too long, broken ones and interrupted downloads, not those in use', async () => {
    const fresh = await storeImage('fresh.raw', 'fresh');
    await storeImage('old.raw', 'old', 30);
    const broken = await storeImage('broken.raw', 'broken');
    await truncate(join(dir, 'images', `${broken}.image`), 2);
    const interrupted = `sha256-${'a'.repeat(64)}`;
    await writeFile(join(dir, 'images', `.${interrupted}.partial`), 'half');
    await writeFile(join(dir, 'images', `.${fresh}.partial`), 'stale leftover');
    const busy = await storeImage('busy.raw', 'busy', 30);
    const held = await lockFile(join(dir, 'images', `${busy}.lock`), { log });
    try {
      const r = await pruneCache({ dir, log, olderThanDays: 14 });
      expect(r.removed.map((x) => [x.name, x.reason]).sort()).toEqual([
        ['broken.raw', 'size-mismatch'],
        ['old.raw', 'expired'],
        [interrupted, 'incomplete'],
      ]);
      expect(r.kept).toEqual(['fresh.raw']);
      expect(r.busy).toEqual(['busy.raw']);
    } finally {
      held.release();
    }
    const left = (await readdir(join(dir, 'images'))).filter((n) => !n.endsWith('.lock')).sort();
    expect(left).toEqual([`${busy}.image`, `${busy}.json`, `${fresh}.image`, `${fresh}.json`]);
  });

  it('clears every image not in use', async () => {
    await storeImage('a.raw', 'a');
    await storeImage('b.raw', 'b');
    const r = await clearCache({ dir, log });
    expect(r.removed.map((x) => [x.name, x.reason]).sort()).toEqual([
      ['a.raw', 'cleared'],
      ['b.raw', 'cleared'],
    ]);
    expect(await listCache({ dir })).toEqual([]);
  });
});
