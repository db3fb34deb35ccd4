/** fast-ops.cjs: loaded by script.cjs for declared no-op operations and raw disk streams. */
export { runFastOp } from '../ganeti/fast-ops.js';
