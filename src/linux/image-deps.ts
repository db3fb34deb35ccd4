/**
 * The image and fetch layers as the pipeline and the image provider use them (re-exported by
 * `ganeti-os/sdk/linux`): one place that names them.
 */
export {
  detectImage,
  writeDiskImage,
  growPartitionTable,
  growFilesystem,
  decompressArgv,
  type DetectedImage,
  type ImageFormat,
  type Compression,
} from '../image/index.js';
export { fetchImage, type ImageSource } from '../fetch/index.js';
