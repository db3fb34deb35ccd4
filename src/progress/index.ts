/** Progress of long work: a live line on a terminal, periodic lines in a log, events in JSON. */
export { createProgress, type Progress, type ProgressOptions, type UpdateOptions } from './reporter.js';
export { withProgress, type WithProgressOptions } from './run.js';
export { allocatedBytes, bytesLeft, childIoSampler, fdPosition, streamSampler } from './sample.js';
export {
  etaMs,
  formatBytes,
  formatDuration,
  formatLive,
  formatLogLine,
  formatSummary,
  progressEvent,
  rateOf,
  type ProgressState,
} from './format.js';
