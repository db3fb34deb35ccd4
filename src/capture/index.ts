/** Capturing images from instance disks (`ganeti-os image capture`, and `ganeti-os build --format`). */
export { captureImage, type CaptureOptions, type CaptureResult, type CapturedFile } from './capture.js';
export {
  CAPTURE_FORMATS,
  COMPRESSIONS,
  bootDumpPath,
  formatFromName,
  nodeArch,
  planCapture,
  type CaptureFormat,
  type CapturePlan,
  type Compression,
} from './plan.js';
export { generalizeGuest } from './generalize.js';
export { planGeneralize, GENERALIZE_REMOVE } from './generalize-plan.js';
export { addToSums, mergeSums, sha256File, sumLine } from './sums.js';
