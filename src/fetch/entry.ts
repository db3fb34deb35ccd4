/**
 * Names and records of downloaded images in `<cacheDir>/images/`, keyed by content (the pinned
 * checksum), so one image fetched from two URLs is stored once:
 *   <algo>-<hex>.image          the verified image     <algo>-<hex>.json  its sidecar
 *   <algo>-<hex>.lock           flock target (never deleted: deleting a lock file races with lockers)
 *   .<algo>-<hex>.partial       a download in progress, or interrupted (resumed by the next fetch)
 *   .<algo>-<hex>.partial.json  the validators (ETag, Last-Modified) that let it resume safely
 *   .<...>.json.tmp-*           a sidecar being written (src/fs/atomic.ts)
 */
import { chmod, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import { writeFileAtomic } from '../fs/atomic.js';
import { readJsonFile } from '../fs/json.js';
import { OsError } from '../runtime/errors.js';
import type { ExpectedSum, HashAlgo } from './types.js';

export interface ImagePaths {
  dir: string;
  stem: string;
  file: string;
  sidecar: string;
  lock: string;
  partial: string;
  partialMeta: string;
}

export function imagesDir(cacheDir: string): string {
  return join(cacheDir, 'images');
}

export function imageStem(sum: Pick<ExpectedSum, 'algo' | 'hex'>): string {
  return `${sum.algo}-${sum.hex}`;
}

export function imagePaths(dir: string, stem: string): ImagePaths {
  return {
    dir,
    stem,
    file: join(dir, `${stem}.image`),
    sidecar: join(dir, `${stem}.json`),
    lock: join(dir, `${stem}.lock`),
    partial: join(dir, `.${stem}.partial`),
    partialMeta: join(dir, `.${stem}.partial.json`),
  };
}

const STEM = String.raw`(sha256-[0-9a-f]{64}|sha512-[0-9a-f]{128})`;

/** Which entry a file of the images directory belongs to, and what it is. */
export function classifyImageFile(
  name: string,
): { stem: string; role: 'image' | 'sidecar' | 'lock' | 'partial' | 'temporary' } | undefined {
  const m = new RegExp(
    String.raw`^(?:${STEM}\.(image|json|lock)|\.${STEM}\.(partial|partial\.json)|\.?${STEM}(?:\.partial)?\.json\.tmp-[0-9a-f]+)$`,
  ).exec(name);
  if (!m) return undefined;
  if (m[1]) return { stem: m[1], role: m[2] === 'image' ? 'image' : m[2] === 'json' ? 'sidecar' : 'lock' };
  if (m[3]) return { stem: m[3], role: 'partial' };
  return { stem: m[5]!, role: 'temporary' };
}

/** Spelled out (not inferred from the schema) so declarations that reach it need no valibot. */
export interface ImageSidecar {
  format: 1;
  kind: 'image';
  /** The file name in the URL it was fetched from. */
  name: string;
  /** That URL, credentials masked. */
  url: string;
  /** The checksum file it was verified against, if any. */
  sums?: string | undefined;
  algo: HashAlgo;
  /** The key: the checksum named by the stem. */
  checksum: string;
  sha256?: string | undefined;
  sha512?: string | undefined;
  size: number;
  /** The image file's mtime when stored: a later change means someone touched it. */
  mtimeMs: number;
  createdAt: string;
  /** Last time a fetch used it; expiry counts from here. */
  usedAt: string;
  downloadSeconds?: number | undefined;
}

const hex = (n: number) => v.pipe(v.string(), v.regex(new RegExp(`^[0-9a-f]{${n}}$`)));

const SidecarSchema: v.GenericSchema<unknown, ImageSidecar> = v.object({
  format: v.literal(1),
  kind: v.literal('image'),
  name: v.string(),
  url: v.string(),
  sums: v.optional(v.string()),
  algo: v.picklist(['sha256', 'sha512']),
  checksum: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}([0-9a-f]{64})?$/)),
  sha256: v.optional(hex(64)),
  sha512: v.optional(hex(128)),
  size: v.pipe(v.number(), v.integer(), v.minValue(0)),
  mtimeMs: v.number(),
  createdAt: v.pipe(v.string(), v.isoTimestamp()),
  usedAt: v.pipe(v.string(), v.isoTimestamp()),
  downloadSeconds: v.optional(v.number()),
});

export function readImageSidecar(path: string): Promise<ImageSidecar | undefined> {
  return readJsonFile(SidecarSchema, path);
}

export async function writeImageSidecar(path: string, sc: ImageSidecar): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(sc, null, 2) + '\n', { mode: 0o600 });
}

/** What a resumed download must still match: the URL and the server's validators. */
export interface PartialMeta {
  url: string;
  etag?: string | undefined;
  lastModified?: string | undefined;
}

const PartialSchema: v.GenericSchema<unknown, PartialMeta> = v.object({
  url: v.string(),
  etag: v.optional(v.string()),
  lastModified: v.optional(v.string()),
});

export function readPartialMeta(path: string): Promise<PartialMeta | undefined> {
  return readJsonFile(PartialSchema, path);
}

export async function writePartialMeta(path: string, meta: PartialMeta): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(meta) + '\n', { mode: 0o600 });
}

/** Age in days of an image entry, counted from its last use. */
export function idleDays(sc: ImageSidecar, now: number): number {
  return (now - Date.parse(sc.usedAt)) / 86_400_000;
}

/** A directory of the cache, created 0700 when missing. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    const st = await stat(dir);
    if (!st.isDirectory())
      throw new OsError('E_CACHE_DIR', `cache directory ${dir} is not a directory`, {
        hint: 'remove or rename it; the image cache is created there',
      });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  }
}
