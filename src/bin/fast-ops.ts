/** fast-ops.cjs: loaded by script.cjs for declared no-op operations and raw disk streams. */
export { runFastOp } from '../dispatch/fast-ops.js';
