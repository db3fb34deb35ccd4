/** Images fetched over HTTP(S) into a verified, content-keyed cache (`<cacheDir>/images/`). */
export { fetchImage } from './fetch.js';
export { hashFile } from '../fs/hash.js';
export { parseSums, findSum } from './sums.js';
export { verifySignature } from './signature.js';
export { redactUrl } from './url.js';
export { imagesDir, type ImageSidecar } from './entry.js';
export {
  listImages,
  pruneImages,
  removeImage,
  type ImageListEntry,
  type ImageEntryStatus,
  type ImagePruneResult,
} from './admin.js';
export type { ImageSource, FetchOptions, FetchResult, HashAlgo } from './types.js';
