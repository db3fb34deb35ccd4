/** Images for the image provider: what an image is, writing disk images, growing them to a disk. */
export {
  describeImage,
  IMAGE_FORMATS,
  type Compression,
  type DetectedImage,
  type GrowResult,
  type HeadClass,
  type ImageFormat,
  type Qcow2Info,
} from './types.js';
export { classifyHead, HEAD_BYTES } from './classify.js';
export { inspectQcow2Header } from './qcow2.js';
export { detectImage, type DetectOptions } from './detect.js';
export { writeDiskImage, type WriteDiskImageOptions } from './write.js';
export { growPartitionTable } from './grow-table.js';
export { planGrow, type GrowPlan, type GrowPlanInput } from './grow-plan.js';
export { growFilesystem, type GrowFilesystemOptions } from './grow-fs.js';
export { decompressArgv, openImageFile, type OpenedImage } from './file.js';
