/** The block-device layer: the public API the providers use. */
export { prepareDisk, type PrepareDiskOptions, type PreparedDisk } from './prepare.js';
export { openDisk, type OpenDiskOptions, type OpenedDisk, type OpenedPartition } from './open.js';
export { recoverDisk, type RecoverOptions } from './recover.js';
export { enterChroot, runInChroot, CHROOT_ENV, type Chroot } from './chroot.js';
export { killGuestProcesses, processesRootedIn } from './processes.js';
export { planLayout, partitionByRole, FILESYSTEMS, PARTITION_STYLES } from './layout.js';
export type { LayoutConfig, PartitionPlan, PlannedPartition, PartitionRole, Filesystem, PartitionStyle, PlanOptions } from './layout.js';
export { planFstab, renderFstab, type FstabEntry, type FormattedPartition } from './fstab.js';
export { runtimeDirFor, RUNTIME_ROOT } from './journal.js';
export { MAPPER_NAMES, type MapperChoice, type MapperName, type PartitionMapper } from './mappers/index.js';
export type { DiskContextInput } from './context.js';
export { isImageFilesystem, restoreFsImage, IMAGE_FILESYSTEMS, type FsImage, type ImageFilesystem } from './fs-image.js';
export { buildFsImage, type BuildFsImageOptions } from './fs-image-build.js';
