/**
 * Populating the root from a content-keyed cache of a tree a provider builds (debootstrap's
 * bootstrapped Debian; anything else built into a directory). ext2/3/4 roots are restored block by
 * block from a filesystem image kept beside the entry (made from the tarball first when missing;
 * asked for only once the disk is partitioned); other roots are formatted and filled from the
 * tarball, whose checksum is checked while the disk is prepared. With the cache off the tree is
 * built straight onto the disk.
 */
import {
  buildFsImage,
  isImageFilesystem,
  type FsImage,
  type ImageFilesystem,
  type PreparedDisk,
} from '../disk/index.js';
import {
  cacheKey,
  installFromCache,
  pinCacheEntry,
  pinFsImage,
  withCacheEntry,
  type CacheOptions,
  type ImageSpec,
  type PinnedEntry,
  type PinnedImage,
} from '../cache/index.js';
import type { Population, PopulateInput } from './installer.js';
import type { CacheSettings, DiskSettings } from './schema.js';

export interface CachedTree {
  /** Everything that changes the tree: its cache key is their digest. */
  inputs: Record<string, unknown>;
  /** Build the tree into an empty directory (a cache staging directory, or the target itself). */
  build(dir: string): Promise<void>;
  cache: CacheSettings;
  disk: DiskSettings;
  /** The tree has an OpenSSH server. */
  sshServer: boolean;
}

/** The root filesystem image to keep beside the cache entry, when the variant can use one. */
export function rootImageSpec(
  t: Pick<CachedTree, 'cache' | 'disk'>,
): (ImageSpec & { fstype: ImageFilesystem }) | undefined {
  if (!t.cache.generateCache || !t.cache.imageCache || !isImageFilesystem(t.disk.filesystem))
    return undefined;
  if (typeof t.disk.bootPartition === 'number' && t.disk.bootPartition > 0) return undefined; // the tree spans two filesystems
  return { fstype: t.disk.filesystem, mkfsOptions: [] };
}

function cacheOptions(t: CachedTree, run: PopulateInput): CacheOptions & { cleanup: PopulateInput['stack'] } {
  return {
    dir: run.paths.cacheDir,
    inputs: t.inputs,
    log: run.log,
    signal: run.signal,
    cleanup: run.stack,
    maxAgeDays: t.cache.cleanCache,
  };
}

/** Pin (making it first when needed) the image of a cache entry; undefined to unpack the tarball instead. */
function pinRootImage(
  key: string,
  spec: ImageSpec & { fstype: ImageFilesystem },
  t: CachedTree,
  run: PopulateInput,
): Promise<PinnedImage | undefined> {
  const tools = { runner: run.runner, cleanupRunner: run.cleanupRunner, log: run.log };
  return pinFsImage(
    key,
    spec,
    (file, sizeBytes, fill) =>
      buildFsImage({
        ...tools,
        stack: run.stack,
        file,
        sizeBytes,
        fill,
        fstype: spec.fstype,
        mkfsOptions: spec.mkfsOptions,
      }).then(() => undefined),
    cacheOptions(t, run),
  );
}

export function cachedTreePopulation(t: CachedTree, run: PopulateInput): Population {
  const key = cacheKey(t.inputs);
  const opts = cacheOptions(t, run);
  const spec = rootImageSpec(t);
  let imageP: Promise<PinnedImage | undefined> | undefined;
  const rootImage = spec
    ? () =>
        (imageP ??= pinRootImage(key, spec, t, run)).then((img): FsImage | undefined =>
          img ? { path: img.path, bytes: img.bytes, fstype: spec.fstype } : undefined,
        )
    : undefined;
  // Without an image the tarball is pinned (and checked) now, while the disk is prepared.
  const pinEarly: Promise<PinnedEntry | undefined> =
    !spec && t.cache.generateCache ? pinCacheEntry(key, opts) : Promise.resolve(undefined);
  pinEarly.catch(() => undefined); // awaited in fill or settled
  return {
    ...(rootImage ? { rootImage } : {}),
    needsEmptyTarget: !t.cache.generateCache,
    sshServer: t.sshServer,
    settled: () => Promise.allSettled([pinEarly, imageP]),
    async fill(prepared: PreparedDisk): Promise<string> {
      let pinned = await pinEarly;
      const image = await imageP;
      await image?.release();
      if (prepared.rootRestored && image) return `restored cached image ${image.file}`;
      if (spec) pinned = await pinCacheEntry(key, opts); // spec implies generate-cache
      const got = await installFromCache(prepared.target, key, (dir) => t.build(dir), {
        ...opts,
        generateCache: t.cache.generateCache,
        ...(pinned ? { pinned } : {}),
      });
      return got.source === 'cache'
        ? `unpacked cached tree ${got.path ?? ''}`
        : `built the tree (${got.source})`;
    },
  };
}

/** Build (or check) the cache entry and its root image without a disk: `ganeti-os cache warm`. */
export async function warmCachedTree(
  t: CachedTree,
  run: PopulateInput,
): Promise<{ path: string; hit: boolean }> {
  const key = cacheKey(t.inputs);
  const r = await withCacheEntry(key, (dir) => t.build(dir), cacheOptions(t, run));
  const spec = rootImageSpec(t);
  if (spec) await (await pinRootImage(key, spec, t, run))?.release();
  return { path: r.path, hit: r.hit };
}
