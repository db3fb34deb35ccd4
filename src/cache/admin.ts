/**
 * Cache administration for the CLI (`cache list|prune|clear`, with --json): plain data in, plain
 * data out. Deletions take the entry's lock without waiting and skip entries in use. A cache
 * directory holds bootstrap trees, below images/ downloaded images (src/fetch/admin.ts) and below
 * gcroots/ the records of a provider's GC roots on the node (guix; src/cache/gcroots.ts).
 */
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { listImages, pruneImages, type ImageEntryStatus, type ImageListEntry } from '../fetch/admin.js';
import type { Logger } from '../runtime/logger.js';
import { sha256File } from './archive.js';
import { listGcRoots, pruneGcRoots, type GcRootEntry, type GcRootStatus } from './gcroots.js';
import { ageDays, classifyFile, entryPaths, isExpired } from './entry.js';
import { whenUnlocked } from './lock.js';
import { removeTreeSafely } from './safe-remove.js';
import { readSidecar } from './sidecar.js';

export type CacheEntryStatus =
  | 'ok'
  | 'expired'
  | 'no-sidecar'
  | 'no-tarball'
  | 'size-mismatch'
  | 'sha256-mismatch'
  | 'incomplete'
  | ImageEntryStatus
  | GcRootStatus;

export interface CacheListEntry {
  /** A bootstrap tree (tarball), a downloaded image or a GC root of an instance's system. */
  kind: 'tree' | 'image' | 'gcroot';
  /** The tree's file stem, or the image's file name in its URL. */
  name: string;
  /** Where an image was downloaded from (credentials masked); null for trees. */
  url: string | null;
  /** The tarball or the image file. */
  path: string | null;
  tarball: string | null;
  key: string | null;
  suite: string | null;
  arch: string | null;
  sizeBytes: number;
  createdAt: string | null;
  ageDays: number | null;
  status: CacheEntryStatus;
  inputs: Record<string, unknown> | null;
  /** Filesystem images made from the tarball (file names), and the bytes they use on disk. */
  images: string[];
  imageBytes: number;
  /** Temporary files and staging trees of a build in progress (or one that was killed). */
  leftovers: string[];
}

export interface ListOptions {
  dir: string;
  /** Mark entries older than this as expired; default 'never' (no judgement). */
  maxAgeDays?: number | 'never';
  /** Recompute each tarball's sha256 (slow). */
  verify?: boolean;
  now?: () => number;
}

async function dirNames(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

export async function listCache(opts: ListOptions): Promise<CacheListEntry[]> {
  const now = opts.now?.() ?? Date.now();
  const stems = new Map<
    string,
    { tarball: boolean; sidecar: boolean; images: string[]; leftovers: string[] }
  >();
  for (const name of await dirNames(opts.dir)) {
    const c = classifyFile(name);
    if (!c || c.role === 'lock') continue;
    const s = stems.get(c.stem) ?? { tarball: false, sidecar: false, images: [], leftovers: [] };
    if (c.role === 'tarball') s.tarball = true;
    else if (c.role === 'sidecar') s.sidecar = true;
    else if (c.role === 'image') s.images.push(name);
    else s.leftovers.push(name);
    stems.set(c.stem, s);
  }
  const out: CacheListEntry[] = [];
  for (const [stem, s] of stems) {
    const p = entryPaths(opts.dir, stem);
    const size = s.tarball ? (await stat(p.tarball)).size : 0;
    const sc = s.sidecar ? await readSidecar(p.sidecar) : undefined;
    let status: CacheEntryStatus = 'ok';
    if (!s.tarball && !s.sidecar) status = 'incomplete';
    else if (!s.tarball) status = 'no-tarball';
    else if (!sc) status = 'no-sidecar';
    else if (sc.size !== size) status = 'size-mismatch';
    else if (isExpired(sc, opts.maxAgeDays ?? 'never', now)) status = 'expired';
    else if (opts.verify && (await sha256File(p.tarball)) !== sc.sha256) status = 'sha256-mismatch';
    let imageBytes = 0;
    for (const f of s.images)
      imageBytes += await stat(join(opts.dir, f)).then(
        (st) => st.blocks * 512,
        () => 0,
      );
    const str = (k: string): string | null => (typeof sc?.inputs[k] === 'string' ? sc.inputs[k] : null);
    out.push({
      kind: 'tree',
      name: stem,
      url: null,
      path: s.tarball ? p.tarball : null,
      tarball: s.tarball ? p.tarball : null,
      key: sc?.key ?? null,
      suite: str('suite'),
      arch: str('arch'),
      sizeBytes: size,
      createdAt: sc?.createdAt ?? null,
      ageDays: sc ? Math.round(ageDays(sc, now) * 10) / 10 : null,
      status,
      inputs: sc?.inputs ?? null,
      images: s.images,
      imageBytes,
      leftovers: s.leftovers,
    });
  }
  const images = await listImages({ dir: opts.dir, maxAgeDays: opts.maxAgeDays, verify: opts.verify, now });
  const roots = await listGcRoots(opts.dir, opts.maxAgeDays ?? 'never', now);
  return [...out, ...images.map(imageEntry), ...roots.map(gcRootEntry)];
}

/** A GC root: `path` is the root symlink, `key` the system it pins, `url` null. */
function gcRootEntry(e: GcRootEntry): CacheListEntry {
  return {
    kind: 'gcroot',
    name: e.name,
    url: null,
    path: e.record?.root ?? null,
    tarball: null,
    key: e.record?.system ?? null,
    suite: null,
    arch: null,
    sizeBytes: 0,
    createdAt: e.record?.createdAt ?? null,
    ageDays: e.ageDays,
    status: e.status,
    inputs: e.record ? { disk: e.record.disk } : null,
    images: [],
    imageBytes: 0,
    leftovers: [],
  };
}

function imageEntry(e: ImageListEntry): CacheListEntry {
  return {
    kind: 'image',
    name: e.name,
    url: e.url,
    path: e.path,
    tarball: null,
    key: e.checksum,
    suite: null,
    arch: null,
    sizeBytes: e.sizeBytes,
    createdAt: e.createdAt,
    ageDays: e.ageDays,
    status: e.status,
    inputs: null,
    images: [],
    imageBytes: 0,
    leftovers: e.leftovers,
  };
}

export interface PruneOptions {
  dir: string;
  log: Logger;
  /** Remove entries older than this many days ('never': only broken entries and leftovers). */
  olderThanDays: number | 'never';
  now?: () => number;
}

export interface PruneResult {
  removed: { name: string; reason: CacheEntryStatus | 'cleared'; bytes: number }[];
  kept: string[];
  /** Entries skipped because another process holds their lock. */
  busy: string[];
}

function removeEntry(
  dir: string,
  e: CacheListEntry,
  log: Logger,
  leftoversOnly = false,
): Promise<'removed' | 'busy'> {
  const p = entryPaths(dir, e.name);
  return whenUnlocked(p.lock, log, async () => {
    if (!leftoversOnly)
      for (const f of [p.sidecar, p.tarball, ...e.images.map((i) => join(dir, i))])
        await unlink(f).catch(() => undefined);
    for (const l of e.leftovers) await removeTreeSafely(join(dir, l));
  });
}

function merge(a: PruneResult, b: PruneResult): PruneResult {
  return {
    removed: [...a.removed, ...b.removed],
    kept: [...a.kept, ...b.kept],
    busy: [...a.busy, ...b.busy],
  };
}

/** Remove expired entries, broken entries and leftovers of killed builds and interrupted downloads. */
export async function pruneCache(opts: PruneOptions): Promise<PruneResult> {
  const entries = await listCache({ dir: opts.dir, maxAgeDays: opts.olderThanDays, now: opts.now });
  const result: PruneResult = { removed: [], kept: [], busy: [] };
  for (const e of entries) {
    if (e.kind !== 'tree') continue;
    const doomed = e.status !== 'ok' || e.leftovers.length > 0;
    if (!doomed) {
      result.kept.push(e.name);
      continue;
    }
    if (e.status === 'ok') {
      // A healthy entry with leftovers: only the leftovers go (when nobody is building).
      const r = await removeEntry(opts.dir, e, opts.log, true);
      (r === 'busy' ? result.busy : result.kept).push(e.name);
      continue;
    }
    const r = await removeEntry(opts.dir, e, opts.log);
    if (r === 'busy') result.busy.push(e.name);
    else {
      opts.log.info(`cache: removed ${e.name} (${e.status})`);
      result.removed.push({ name: e.name, reason: e.status, bytes: e.sizeBytes + e.imageBytes });
    }
  }
  const now = opts.now?.();
  return merge(
    merge(
      result,
      await pruneImages({ dir: opts.dir, log: opts.log, olderThanDays: opts.olderThanDays, now }),
    ),
    { ...(await pruneGcRoots(opts.dir, opts.log, opts.olderThanDays, now)), busy: [] },
  );
}

/** Remove every entry not in use. */
export async function clearCache(opts: { dir: string; log: Logger }): Promise<PruneResult> {
  const result: PruneResult = { removed: [], kept: [], busy: [] };
  for (const e of await listCache({ dir: opts.dir })) {
    if (e.kind !== 'tree') continue;
    const r = await removeEntry(opts.dir, e, opts.log);
    if (r === 'busy') result.busy.push(e.name);
    else result.removed.push({ name: e.name, reason: 'cleared', bytes: e.sizeBytes + e.imageBytes });
  }
  return merge(merge(result, await pruneImages({ dir: opts.dir, log: opts.log, olderThanDays: 'all' })), {
    ...(await pruneGcRoots(opts.dir, opts.log, 'all')),
    busy: [],
  });
}
