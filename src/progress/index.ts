/** Progress of long work: a live line on a terminal, periodic lines in a log. */
export { createProgress, type Progress, type ProgressOptions } from './reporter.js';
export {
  etaMs,
  formatBytes,
  formatDuration,
  formatLive,
  formatLogLine,
  formatSummary,
  rateOf,
  type ProgressState,
} from './format.js';
