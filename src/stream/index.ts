/** Export and import streams. */
export { exportTree, importTree, type TreeStreamOptions, type ExportTreeOptions } from './tree.js';
export {
  readStreamStart,
  isDumpStream,
  writeHeader,
  encodeHeader,
  decodeHeader,
  HEADER_SIZE,
  type StreamHeader,
  type StreamStart,
} from './header.js';
export { restoreDump } from './dump.js';
export { exportRaw, importRaw, deviceSize } from './raw.js';
export { tarCreateArgv, tarExtractArgv, TAR_METADATA_FLAGS, TAR_PIPE_READ_FLAGS } from './tar.js';
