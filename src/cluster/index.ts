/** Cluster-wide install and checks on Ganeti's own machinery (`gnt-cluster command` / `copyfile`). */
export { clusterCheck, digestLine, type ClusterCheckOptions } from './check.js';
export { parseClusterCommand, digestReports, type NodeOutput } from './command-output.js';
export {
  compareCluster,
  compareDigests,
  formatCheck,
  formatDifference,
  type CheckResult,
  type Difference,
  type NodeReport,
} from './compare.js';
export { fileDigest, variantDigest, valueDigest, type FileRead, type VariantRead } from './digest.js';
export {
  clusterInstall,
  configPaths,
  type ClusterInstallOptions,
  type ClusterInstallResult,
} from './install.js';
export { installPlan, type InstallPlanInput, type Step } from './install-plan.js';
export { nodeDigest, installedOsDirs, type DigestOptions } from './read.js';
export { shellQuote, shellLine } from './shell.js';
export * from './types.js';
