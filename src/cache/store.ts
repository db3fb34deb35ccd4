/**
 * The bootstrap cache: build a tree once per distinct set of inputs, keep it as a verified
 * .tar.zst, and extract it into every new instance. Per entry:
 *   lock (flock) -> check again (another builder may have finished) -> reuse when valid
 *   else: build into a staging dir -> tar|zstd into a temp file -> fsync -> rename -> sidecar -> unlock
 * A corrupt entry (size or sha256 mismatch, missing sidecar) is deleted and rebuilt, never used. An
 * expired one (older than clean-cache days) is rebuilt. Every acquisition is registered on the
 * cleanup stack, so a signal removes the staging tree and temp file and drops the lock.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CleanupStack, type CleanupHandle } from '../runtime/cleanup.js';
import { DEFAULTS } from '../ganeti/defaults.js';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { packTree, sha256File, unpackTree } from './archive.js';
import { checkEntry, entryPaths, type CheckOptions, type EntryPaths, type Verify } from './entry.js';
import { entryStem } from './key.js';
import { lockFile } from './lock.js';
import { removeTreeSafely } from './safe-remove.js';
import { writeSidecar, type CacheSidecar } from './sidecar.js';

/** /var/cache/ganeti-os/<provider> */
export function defaultCacheDir(provider: string): string {
  return join(DEFAULTS.cacheRoot, provider);
}

export interface CacheOptions {
  /** The cache directory of one provider (created 0700 if missing). */
  dir: string;
  /** The inputs the key was made from (stored in the sidecar; suite/arch name the file). */
  inputs: Record<string, unknown>;
  log: Logger;
  signal?: AbortSignal;
  /** Register acquisitions here (default: a private stack unwound before returning). */
  cleanup?: CleanupStack;
  /** Rebuild entries older than this many days; 'never' keeps them forever. Default 14. */
  maxAgeDays?: number | 'never';
  /** How to check a tarball before use; default 'sha256'. */
  verify?: Verify;
  /** Seconds to wait for another builder of the same entry; default 3600. */
  lockTimeoutSec?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export type BuildFn = (stagingDir: string) => Promise<void>;

export interface CacheEntryResult {
  /** The tarball. */
  path: string;
  sidecar: CacheSidecar;
  /** True when an existing entry was reused. */
  hit: boolean;
}

/** The cache directory, created 0700 when missing. */
async function ensureDir(dir: string): Promise<void> {
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw new OsError('E_CACHE_DIR', `cache directory ${dir} is not a directory`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  }
}

async function removeEntryFiles(p: EntryPaths): Promise<void> {
  for (const f of [p.sidecar, p.tarball]) await unlink(f).catch(() => undefined);
}

/** Build the entry (lock held by the caller). */
async function buildEntry(
  key: string,
  p: EntryPaths,
  build: BuildFn,
  opts: CacheOptions,
  stack: CleanupStack,
): Promise<CacheSidecar> {
  const { log } = opts;
  const started = Date.now();
  const staging = await mkdtemp(join(p.dir, `.${p.stem}.staging-`));
  // The staging root becomes the guest's "/" (tar member "."): mkdtemp made it 0700.
  await chmod(staging, 0o755);
  const stagingH = stack.push(`remove cache staging ${staging}`, () => removeTreeSafely(staging));
  let tmpH: CleanupHandle | undefined;
  try {
    log.info(`cache: building ${p.stem}`);
    await build(staging);
    const tmp = join(p.dir, `.${p.stem}.tar.zst.tmp-${randomBytes(4).toString('hex')}`);
    const fd = openSync(tmp, 'wx', 0o600);
    tmpH = stack.push(`remove temporary ${tmp}`, () => unlink(tmp).catch(() => undefined));
    try {
      await packTree(staging, fd, { log, signal: opts.signal });
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const [size, sha256] = [(await stat(tmp)).size, await sha256File(tmp)];
    const sidecar: CacheSidecar = {
      format: 1,
      key,
      file: `${p.stem}.tar.zst`,
      inputs: opts.inputs,
      createdAt: new Date(opts.now?.() ?? Date.now()).toISOString(),
      size,
      sha256,
      buildSeconds: Math.round((Date.now() - started) / 100) / 10,
    };
    await rename(tmp, p.tarball);
    tmpH.dismiss();
    await writeSidecar(p.sidecar, sidecar); // also makes the tarball's rename durable
    log.info(`cache: stored ${p.stem}.tar.zst (${(size / 1048576).toFixed(1)} MiB)`);
    return sidecar;
  } finally {
    await tmpH?.release();
    // A staging tree that cannot go (something still mounted below it) is reported, not fatal:
    // the original error, if any, is the one that matters; prune removes the tree later.
    await stagingH.release().catch((e: unknown) => log.warn(`cache: ${(e as Error).message}`));
  }
}

interface Acquired extends CacheEntryResult {
  /** An fd on the verified tarball, opened under the lock (when asked for). */
  fd?: number;
}

/** The entry's files, with its lock taken (the handle releases it; it is on `stack` too). */
export async function lockEntry(
  key: string,
  opts: CacheOptions,
  stack: CleanupStack,
): Promise<{ p: EntryPaths; unlock: CleanupHandle }> {
  await ensureDir(opts.dir);
  const p = entryPaths(opts.dir, entryStem(opts.inputs, key));
  const lock = await lockFile(p.lock, {
    log: opts.log,
    signal: opts.signal,
    timeoutSec: opts.lockTimeoutSec ?? 3600,
  });
  return { p, unlock: stack.push(`unlock ${p.lock}`, () => lock.release()) };
}

/** How checkEntry judges the entry of `key` under these options (with the lock held). */
export function checkOptions(
  key: string,
  opts: CacheOptions,
  verify: Verify = opts.verify ?? 'sha256',
): CheckOptions {
  return {
    key,
    maxAgeDays: opts.maxAgeDays ?? 14,
    now: opts.now?.() ?? Date.now(),
    verify,
    log: opts.log,
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
}

async function acquire(
  key: string,
  build: BuildFn,
  opts: CacheOptions,
  openForRead: boolean,
): Promise<Acquired>;
async function acquire(
  key: string,
  build: null,
  opts: CacheOptions,
  openForRead: boolean,
): Promise<Acquired | undefined>;
async function acquire(
  key: string,
  build: BuildFn | null,
  opts: CacheOptions,
  openForRead: boolean,
): Promise<Acquired | undefined> {
  const { log } = opts;
  const stack = opts.cleanup ?? new CleanupStack(log);
  const { p, unlock: lockH } = await lockEntry(key, opts, stack);
  try {
    // Checked only now, under the lock: a concurrent builder may have just published it.
    const state = await checkEntry(p, checkOptions(key, opts));
    let sidecar: CacheSidecar;
    let hit = false;
    if (state.state === 'ok') {
      log.info(`cache: using ${p.stem}.tar.zst from ${state.sidecar.createdAt}`);
      sidecar = state.sidecar;
      hit = true;
    } else if (build === null) {
      // only checking: the caller builds later, through the full path (which reports the state)
      return undefined;
    } else {
      if (state.state === 'corrupt') log.warn(`cache: ${p.stem} is damaged (${state.reason}); rebuilding it`);
      if (state.state === 'expired')
        log.info(`cache: ${p.stem} is ${state.ageDays.toFixed(1)} days old; rebuilding it`);
      await removeEntryFiles(p);
      sidecar = await buildEntry(key, p, build, opts, stack);
    }
    const result: Acquired = { path: p.tarball, sidecar, hit };
    if (openForRead) result.fd = openSync(p.tarball, 'r');
    return result;
  } finally {
    await lockH.release();
  }
}

/**
 * Return the cache entry for `key`, building it with `build(stagingDir)` when it is missing,
 * expired or damaged. Concurrent callers for one key build it once; the others wait and reuse.
 */
export async function withCacheEntry(
  key: string,
  build: BuildFn,
  opts: CacheOptions,
): Promise<CacheEntryResult> {
  const { path, sidecar, hit } = await acquire(key, build, opts, false);
  return { path, sidecar, hit };
}

/** A verified entry, open for reading (see pinCacheEntry). */
export interface PinnedEntry {
  path: string;
  sidecar: CacheSidecar;
  fd: number;
  /** Close the fd now (also registered on the cleanup stack). */
  release: () => Promise<void>;
}

/**
 * Check the entry for `key` (lock, size, age, sha256) and, when it is usable, open it for reading,
 * without building anything: create runs this while it prepares the disk, so the checksum costs no
 * time of its own. Undefined when the entry is missing, expired or damaged: installFromCache then
 * takes the full path (and rebuilds). The fd is closed by `release` or by the cleanup stack.
 */
export async function pinCacheEntry(
  key: string,
  opts: CacheOptions & { cleanup: CleanupStack },
): Promise<PinnedEntry | undefined> {
  const got = await acquire(key, null, opts, true);
  if (!got) return undefined;
  const fd = got.fd!;
  const h = opts.cleanup.push(`close ${got.path}`, () => closeSync(fd));
  return { path: got.path, sidecar: got.sidecar, fd, release: () => h.release() };
}

export interface InstallOptions extends CacheOptions {
  /** false: build straight into the target and store nothing. Default true. */
  generateCache?: boolean;
  /** An entry for `key` already checked and opened by pinCacheEntry. */
  pinned?: PinnedEntry;
}

export interface InstallResult {
  source: 'cache' | 'built' | 'direct';
  /** The tarball used, when the cache was used. */
  path?: string;
}

/**
 * Fill `target` (an existing, normally empty directory: the mounted guest root) from the cache,
 * building the entry first when needed. The tarball is opened while its lock is held, so a
 * concurrent prune or rebuild cannot pull it away mid-extraction.
 */
export async function installFromCache(
  target: string,
  key: string,
  build: BuildFn,
  opts: InstallOptions,
): Promise<InstallResult> {
  if (opts.generateCache === false) {
    opts.log.info('cache: generate-cache is off; building straight into the target');
    await build(target);
    return { source: 'direct' };
  }
  if (opts.pinned) {
    try {
      await unpackTree(opts.pinned.fd, target, { log: opts.log, signal: opts.signal });
    } finally {
      await opts.pinned.release();
    }
    return { source: 'cache', path: opts.pinned.path };
  }
  const got = await acquire(key, build, opts, true);
  const fd = got.fd!;
  try {
    await unpackTree(fd, target, { log: opts.log, signal: opts.signal });
  } finally {
    closeSync(fd);
  }
  return { source: got.hit ? 'cache' : 'built', path: got.path };
}
