/**
 * Filesystem images kept beside a cache entry, for roots that can be restored block by block:
 *   <stem>.<fstype>.img        a sparse raw filesystem holding the entry's tree, shrunk to its minimum
 *   .<stem>.<fstype>.img.building  one being made (the entry's lock is held meanwhile)
 *   <stem>.<fstype>.img.json   what it was made from (the tarball's sha256, mkfs options) and the
 *                              file's identity when it was published (size, inode, ctime)
 * An image is derived data: made from the verified tarball under the entry's lock, trusted while the
 * tarball is unchanged and the file is the one published (any write changes its ctime), otherwise
 * removed and made again. When anything about it fails, the caller unpacks the tarball as before.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import type { CleanupStack } from '../runtime/cleanup.js';
import { withProgress } from '../progress/index.js';
import { unpackTree } from './archive.js';
import { checkEntry, type EntryPaths } from './entry.js';
import { fsyncPath } from '../fs/atomic.js';
import { readJsonFile } from '../fs/json.js';
import { writeSidecar } from './sidecar.js';
import { checkOptions, lockEntry, type CacheOptions } from './store.js';

export interface ImageSpec {
  fstype: string;
  mkfsOptions: readonly string[];
}

/** Makes `file` (absent) into a filesystem of apparent size `sizeBytes`, filled by `fill(root)`. */
export type ImageBuilder = (
  file: string,
  sizeBytes: number,
  fill: (root: string) => Promise<void>,
) => Promise<void>;

export interface PinnedImage {
  /** /proc/<pid>/fd/<n>: the published image, open under the lock. */
  path: string;
  file: string;
  bytes: number;
  release: () => Promise<void>;
}

/**
 * The image layout written now. 2: the metadata checksum seed is stored (a new UUID costs nothing);
 * images of format 1 are made again.
 */
const IMAGE_FORMAT = 2;

const ImageSidecarSchema = v.object({
  format: v.picklist([1, 2]),
  key: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  tarballSha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  fstype: v.string(),
  mkfsOptions: v.array(v.string()),
  bytes: v.pipe(v.number(), v.integer(), v.minValue(0)),
  ino: v.string(),
  ctimeNs: v.string(),
  createdAt: v.pipe(v.string(), v.isoTimestamp()),
  buildSeconds: v.optional(v.number()),
});
type ImageSidecar = v.InferOutput<typeof ImageSidecarSchema>;

export function imagePaths(p: EntryPaths, fstype: string): { image: string; sidecar: string } {
  const image = join(p.dir, `${p.stem}.${fstype}.img`);
  return { image, sidecar: `${image}.json` };
}

/** Why the published image cannot be used, or undefined when it can. */
async function imageProblem(
  files: { image: string; sidecar: string },
  want: { key: string; tarballSha256: string; spec: ImageSpec },
): Promise<string | undefined> {
  const st = await stat(files.image, { bigint: true }).catch(() => undefined);
  const sc = await readJsonFile(ImageSidecarSchema, files.sidecar);
  if (!st && !sc) return 'missing';
  if (!st) return 'the image is missing';
  if (!sc) return 'its sidecar is missing or unreadable';
  if (sc.format !== IMAGE_FORMAT) return `it was made by an older version (format ${sc.format})`;
  if (sc.key !== want.key || sc.tarballSha256 !== want.tarballSha256)
    return 'it was made from another tarball';
  if (sc.fstype !== want.spec.fstype || sc.mkfsOptions.join('\0') !== want.spec.mkfsOptions.join('\0'))
    return 'it was made with other mkfs options';
  if (BigInt(sc.bytes) !== st.size || sc.ino !== String(st.ino) || sc.ctimeNs !== String(st.ctimeNs))
    return 'the file changed after it was published';
  return undefined;
}

/**
 * The image of `key`'s entry for `spec`, made from the tarball when missing or stale, open for
 * reading. Undefined when the tarball itself is missing, expired or damaged (the caller's full path
 * rebuilds it) or when the image cannot be made (reported as a warning).
 */
export async function pinFsImage(
  key: string,
  spec: ImageSpec,
  builder: ImageBuilder,
  opts: CacheOptions & { cleanup: CleanupStack },
): Promise<PinnedImage | undefined> {
  const { log, cleanup: stack } = opts;
  const { p, unlock } = await lockEntry(key, opts, stack);
  const files = imagePaths(p, spec.fstype);
  try {
    // The tarball's size and age decide here; its sha256 is checked only when an image is made from it.
    const quick = await checkEntry(p, checkOptions(key, opts, 'size'));
    if (quick.state !== 'ok') return undefined;
    const want = { key, tarballSha256: quick.sidecar.sha256, spec };
    const problem = await imageProblem(files, want);
    if (problem !== undefined) {
      if (problem !== 'missing')
        log.warn(`cache: the ${spec.fstype} image of ${p.stem} is unusable (${problem}); making it again`);
      for (const f of [files.sidecar, files.image]) await unlink(f).catch(() => undefined);
      const full = await checkEntry(p, checkOptions(key, opts));
      if (full.state !== 'ok') return undefined;
      try {
        await makeImage(p, files, want, builder, opts);
      } catch (e) {
        if (opts.signal?.aborted) throw e;
        log.warn(
          `cache: could not make the ${spec.fstype} image of ${p.stem}: ${(e as Error).message.split('\n')[0] ?? ''}; unpacking the tarball instead`,
        );
        return undefined;
      }
    } else {
      log.info(`cache: using ${p.stem}.${spec.fstype}.img`);
    }
    const fd = openSync(files.image, 'r');
    const h = stack.push(`close ${files.image}`, () => closeSync(fd));
    return {
      path: `/proc/${process.pid}/fd/${fd}`,
      file: files.image,
      bytes: fstatSync(fd).size,
      release: () => h.release(),
    };
  } finally {
    await unlock.release();
  }
}

/** Make and publish the image (lock held): temp file, fill from the tarball, fsync, rename, sidecar. */
async function makeImage(
  p: EntryPaths,
  files: { image: string; sidecar: string },
  want: { key: string; tarballSha256: string; spec: ImageSpec },
  builder: ImageBuilder,
  opts: CacheOptions & { cleanup: CleanupStack },
): Promise<void> {
  const started = Date.now();
  // A fixed name (the lock is held): a build killed with SIGKILL is recovered by the next one.
  const tmp = join(p.dir, `.${p.stem}.${want.spec.fstype}.img.building`);
  const tmpH = opts.cleanup.push(`remove temporary ${tmp}`, () => unlink(tmp).catch(() => undefined));
  try {
    opts.log.info(`cache: making the ${want.spec.fstype} image of ${p.stem}`);
    // Room for a tree ten times the compressed tarball, at least 8 GiB: sparse, shrunk afterwards.
    const tarballBytes = (await stat(p.tarball)).size;
    const sizeBytes = Math.max(8 * 1024 ** 3, Math.ceil((tarballBytes * 10) / 1048576) * 1048576);
    const tarFd = openSync(p.tarball, 'r');
    try {
      // A heartbeat through mkfs, the check and the shrink; the unpack reports its bytes.
      const phase = `cache: build the ${want.spec.fstype} image of ${p.stem}`;
      await withProgress({ log: opts.log, phase, summary: 'long' }, () =>
        builder(tmp, sizeBytes, (root) =>
          unpackTree(tarFd, root, { log: opts.log, ...(opts.signal ? { signal: opts.signal } : {}) }),
        ),
      );
    } finally {
      closeSync(tarFd);
    }
    await fsyncPath(tmp);
    await rename(tmp, files.image);
    tmpH.dismiss();
    const st = await stat(files.image, { bigint: true });
    const sidecar: ImageSidecar = {
      format: IMAGE_FORMAT,
      key: want.key,
      tarballSha256: want.tarballSha256,
      fstype: want.spec.fstype,
      mkfsOptions: [...want.spec.mkfsOptions],
      bytes: Number(st.size),
      ino: String(st.ino),
      ctimeNs: String(st.ctimeNs),
      createdAt: new Date(opts.now?.() ?? Date.now()).toISOString(),
      buildSeconds: Math.round((Date.now() - started) / 100) / 10,
    };
    await writeSidecar(files.sidecar, sidecar); // also makes the image's rename durable
    opts.log.info(
      `cache: stored ${p.stem}.${want.spec.fstype}.img (${(Number(st.blocks) / 2048).toFixed(0)} MiB used)`,
    );
  } finally {
    await tmpH.release();
  }
}
