/**
 * Names and state of one cache entry inside a cache directory:
 *   <stem>.tar.zst        the tarball          <stem>.json   its sidecar
 *   <stem>.lock           flock target (never deleted: deleting a lock file races with lockers)
 *   .<stem>.tar.zst.tmp-* a tarball being written   .<stem>.staging-*  a tree being built
 *   <stem>.<fs>.img(.json) a filesystem image made from the tarball (fs-image.ts)
 *   .<stem>(.<fs>.img).json.tmp-*  a sidecar being written
 *   .<stem>.<fs>.img.building  an image being made
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File, testTarball } from './archive.js';
import { readSidecar, type CacheSidecar } from './sidecar.js';
import type { Logger } from '../runtime/logger.js';

export interface EntryPaths {
  stem: string;
  tarball: string;
  sidecar: string;
  lock: string;
  dir: string;
}

export function entryPaths(dir: string, stem: string): EntryPaths {
  return {
    stem,
    dir,
    tarball: join(dir, `${stem}.tar.zst`),
    sidecar: join(dir, `${stem}.json`),
    lock: join(dir, `${stem}.lock`),
  };
}

/** Which stem a file in the cache dir belongs to, and what it is. */
export function classifyFile(
  name: string,
): { stem: string; role: 'tarball' | 'sidecar' | 'image' | 'lock' | 'temporary' | 'staging' } | undefined {
  let m =
    /^\.(.+)\.tar\.zst\.tmp-[0-9a-f]+$/.exec(name) ??
    /^\.(.+)\.ext[234]\.img\.building$/.exec(name) ??
    // Sidecars are written through a hidden temporary (src/fs/atomic.ts); older runs left visible ones.
    /^\.?(.+?)(?:\.ext[234]\.img)?\.json\.tmp-[0-9a-f]+$/.exec(name);
  if (m) return { stem: m[1]!, role: 'temporary' };
  if ((m = /^(.+)\.ext[234]\.img(?:\.json)?$/.exec(name))) return { stem: m[1]!, role: 'image' };
  if ((m = /^\.(.+)\.staging-[A-Za-z0-9]+$/.exec(name))) return { stem: m[1]!, role: 'staging' };
  if ((m = /^(.+)\.tar\.zst$/.exec(name))) return { stem: m[1]!, role: 'tarball' };
  if ((m = /^(.+)\.json$/.exec(name))) return { stem: m[1]!, role: 'sidecar' };
  if ((m = /^(.+)\.lock$/.exec(name))) return { stem: m[1]!, role: 'lock' };
  return undefined;
}

export type Verify = 'sha256' | 'zstd' | 'size';

export type EntryState =
  | { state: 'ok'; sidecar: CacheSidecar }
  | { state: 'missing' }
  | { state: 'expired'; sidecar: CacheSidecar; ageDays: number }
  | { state: 'corrupt'; reason: string };

export function ageDays(sidecar: CacheSidecar, now: number): number {
  return (now - Date.parse(sidecar.createdAt)) / 86_400_000;
}

export function isExpired(sidecar: CacheSidecar, maxAgeDays: number | 'never', now: number): boolean {
  return maxAgeDays !== 'never' && ageDays(sidecar, now) > maxAgeDays;
}

export interface CheckOptions {
  key: string;
  maxAgeDays: number | 'never';
  now: number;
  verify: Verify;
  log: Logger;
  signal?: AbortSignal;
}

/** Is the entry usable? Call with the entry's lock held. */
export async function checkEntry(p: EntryPaths, opts: CheckOptions): Promise<EntryState> {
  const size = await stat(p.tarball).then(
    (s) => s.size,
    () => undefined,
  );
  const sidecar = await readSidecar(p.sidecar);
  if (size === undefined && sidecar === undefined) return { state: 'missing' };
  if (size === undefined) return { state: 'corrupt', reason: 'the tarball is missing' };
  if (sidecar === undefined) return { state: 'corrupt', reason: 'the sidecar is missing or unreadable' };
  if (sidecar.key !== opts.key) return { state: 'corrupt', reason: 'the sidecar belongs to another key' };
  if (sidecar.size !== size)
    return { state: 'corrupt', reason: `size ${size} differs from the recorded ${sidecar.size}` };
  if (isExpired(sidecar, opts.maxAgeDays, opts.now))
    return { state: 'expired', sidecar, ageDays: ageDays(sidecar, opts.now) };
  if (opts.verify === 'sha256') {
    const sum = await sha256File(p.tarball);
    if (sum !== sidecar.sha256)
      return {
        state: 'corrupt',
        reason: `sha256 ${sum.slice(0, 12)}… differs from the recorded ${sidecar.sha256.slice(0, 12)}…`,
      };
  } else if (opts.verify === 'zstd') {
    try {
      await testTarball(p.tarball, { log: opts.log, signal: opts.signal });
    } catch (e) {
      return { state: 'corrupt', reason: `zstd integrity test failed: ${(e as Error).message}` };
    }
  }
  return { state: 'ok', sidecar };
}
