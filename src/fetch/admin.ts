/**
 * The downloaded images of a cache directory for `ganeti-os cache list|prune|clear`: plain data in,
 * plain data out. Removal takes the entry's lock without waiting and skips entries in use.
 */
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { whenUnlocked } from '../cache/lock.js';
import type { Logger } from '../runtime/logger.js';
import { classifyImageFile, idleDays, imagePaths, imagesDir, readImageSidecar } from './entry.js';
import { hashFile } from '../fs/hash.js';

export type ImageEntryStatus =
  'ok' | 'expired' | 'no-sidecar' | 'no-image' | 'size-mismatch' | 'sha-mismatch' | 'incomplete';

export interface ImageListEntry {
  /** The entry's key: `<algo>-<hex>`. */
  stem: string;
  /** The image file name in its URL (the stem when unknown). */
  name: string;
  url: string | null;
  path: string | null;
  checksum: string | null;
  sizeBytes: number;
  createdAt: string | null;
  /** Days since it was stored. */
  ageDays: number | null;
  usedAt: string | null;
  status: ImageEntryStatus;
  /** Interrupted downloads and sidecars being written. */
  leftovers: string[];
  /** Bytes of the leftovers. */
  leftoverBytes: number;
}

export interface ListImagesOptions {
  /** The provider's cache directory (images are in its images/). */
  dir: string;
  /** Mark entries unused for longer than this as expired; default 'never'. */
  maxAgeDays?: number | 'never';
  /** Recompute each image's checksum (slow). */
  verify?: boolean;
  now?: number;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

export async function listImages(o: ListImagesOptions): Promise<ImageListEntry[]> {
  const dir = imagesDir(o.dir);
  const now = o.now ?? Date.now();
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const stems = new Map<string, { image: boolean; sidecar: boolean; leftovers: string[] }>();
  for (const n of names) {
    const c = classifyImageFile(n);
    if (!c || c.role === 'lock') continue;
    const s = stems.get(c.stem) ?? { image: false, sidecar: false, leftovers: [] };
    if (c.role === 'image') s.image = true;
    else if (c.role === 'sidecar') s.sidecar = true;
    else s.leftovers.push(n);
    stems.set(c.stem, s);
  }
  const out: ImageListEntry[] = [];
  for (const [stem, s] of stems) {
    const p = imagePaths(dir, stem);
    const size = s.image ? (await stat(p.file)).size : 0;
    const sc = s.sidecar ? await readImageSidecar(p.sidecar) : undefined;
    let leftoverBytes = 0;
    for (const l of s.leftovers)
      leftoverBytes += await stat(join(dir, l)).then(
        (st) => st.size,
        () => 0,
      );
    let status: ImageEntryStatus = 'ok';
    if (!s.image && !s.sidecar) status = 'incomplete';
    else if (!s.image) status = 'no-image';
    else if (!sc) status = 'no-sidecar';
    else if (sc.size !== size) status = 'size-mismatch';
    else if (o.maxAgeDays !== undefined && o.maxAgeDays !== 'never' && idleDays(sc, now) > o.maxAgeDays)
      status = 'expired';
    else if (o.verify && (await hashFile(p.file, sc.algo)) !== sc.checksum) status = 'sha-mismatch';
    out.push({
      stem,
      name: sc?.name ?? stem,
      url: sc?.url ?? null,
      path: s.image ? p.file : null,
      checksum: sc ? `${sc.algo}:${sc.checksum}` : null,
      sizeBytes: size,
      createdAt: sc?.createdAt ?? null,
      ageDays: sc ? round1((now - Date.parse(sc.createdAt)) / 86_400_000) : null,
      usedAt: sc?.usedAt ?? null,
      status,
      leftovers: s.leftovers,
      leftoverBytes,
    });
  }
  return out;
}

/**
 * Remove an entry's files (or only its leftovers) under its lock, taken without waiting: 'busy'
 * when a download or a deploy holds it.
 */
export function removeImage(
  dir: string,
  e: ImageListEntry,
  log: Logger,
  leftoversOnly = false,
): Promise<'removed' | 'busy'> {
  const p = imagePaths(imagesDir(dir), e.stem);
  return whenUnlocked(p.lock, log, async () => {
    const files = leftoversOnly ? [] : [p.sidecar, p.file];
    for (const f of [...files, ...e.leftovers.map((l) => join(p.dir, l))])
      await unlink(f).catch(() => undefined);
  });
}

export interface ImagePruneResult {
  removed: { name: string; reason: ImageEntryStatus | 'cleared'; bytes: number }[];
  kept: string[];
  busy: string[];
}

/**
 * Remove images unused for longer than `olderThanDays`, broken entries and interrupted downloads
 * (all of them: skipped while their lock is held); `olderThanDays: 'all'` removes every entry.
 */
export async function pruneImages(o: {
  dir: string;
  log: Logger;
  olderThanDays: number | 'never' | 'all';
  now?: number;
}): Promise<ImagePruneResult> {
  const all = o.olderThanDays === 'all';
  const entries = await listImages({
    dir: o.dir,
    maxAgeDays: o.olderThanDays === 'all' ? 'never' : o.olderThanDays,
    now: o.now,
  });
  const result: ImagePruneResult = { removed: [], kept: [], busy: [] };
  for (const e of entries) {
    const keepImage = !all && e.status === 'ok';
    if (keepImage && e.leftovers.length === 0) {
      result.kept.push(e.name);
      continue;
    }
    const r = await removeImage(o.dir, e, o.log, keepImage);
    if (r === 'busy') result.busy.push(e.name);
    else if (keepImage) result.kept.push(e.name);
    else {
      if (!all) o.log.info(`cache: removed image ${e.name} (${e.status})`);
      result.removed.push({
        name: e.name,
        reason: all ? 'cleared' : e.status,
        bytes: e.sizeBytes + e.leftoverBytes,
      });
    }
  }
  return result;
}
