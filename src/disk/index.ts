/** The block-device layer: the public API the providers use. */
export { prepareDisk, type PrepareDiskOptions, type PreparedDisk } from './prepare.js';
export { openDisk, type OpenDiskOptions, type OpenedDisk, type OpenedPartition } from './open.js';
export { recoverDisk, type RecoverOptions } from './recover.js';
export { claimDisk } from './claim.js';
export { runInChroot, CHROOT_ENV, type Chroot } from './chroot.js';
export { planLayout, partitionByRole, ROOT_FILESYSTEMS, PARTITION_STYLES } from './layout.js';
export type {
  LayoutConfig,
  PartitionPlan,
  PlannedPartition,
  PartitionRole,
  RootFilesystem,
  PartitionStyle,
  PlanOptions,
} from './layout.js';
export type { FstabEntry, FormattedPartition } from './fstab.js';
export { runtimeDirFor, RUNTIME_ROOT } from './journal.js';
export { MAPPER_NAMES, type MapperChoice, type MapperName, type PartitionMapper } from './mappers/index.js';
export type { DiskContextInput } from './context.js';
export {
  isImageFilesystem,
  restoreFsImage,
  IMAGE_FILESYSTEMS,
  type FsImage,
  type ImageFilesystem,
} from './fs-image.js';
export { buildFsImage, type BuildFsImageOptions } from './fs-image-build.js';
