/** Export and import streams. */
export { exportTree, importTree, TREE_TAR_FLAGS, type TreeStreamOptions } from './tree.js';
