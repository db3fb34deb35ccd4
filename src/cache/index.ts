/** The content-addressed bootstrap cache. */
export { cacheKey, canonicalJson, entryStem } from './key.js';
export {
  withCacheEntry,
  installFromCache,
  pinCacheEntry,
  defaultCacheDir,
  type CacheOptions,
  type InstallOptions,
  type PinnedEntry,
  type InstallResult,
  type BuildFn,
  type CacheEntryResult,
} from './store.js';
export {
  listCache,
  pruneCache,
  clearCache,
  type CacheListEntry,
  type CacheEntryStatus,
  type PruneResult,
  type PruneOptions,
  type ListOptions,
} from './admin.js';
export { packTree, unpackTree, sha256File } from './archive.js';
export { lockFile, type CacheLock } from './lock.js';
export { removeTreeSafely } from './safe-remove.js';
export type { CacheSidecar } from './sidecar.js';
export { pinFsImage, imagePaths, type ImageSpec, type ImageBuilder, type PinnedImage } from './fs-image.js';
