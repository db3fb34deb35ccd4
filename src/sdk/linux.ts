/**
 * `ganeti-os/sdk/linux`: the shared install pipeline for Linux guests and the pieces an installer
 * composes: how the root is populated (a cached tree), the guest families and policy, the disk
 * layer, the bootloader, hooks and streams. Heavier than `ganeti-os/sdk`: import it from a
 * provider's installer module, which `defineLinuxProvider` loads only when an operation runs.
 */
export type {
  LinuxInstaller,
  LinuxConfig,
  ConfigureInput,
  PopulateInput,
  Population,
  BootPolicy,
  WholeDisk,
  HookDevices,
} from '../linux/installer.js';
export {
  cachedTreePopulation,
  warmCachedTree,
  rootImageSpec,
  type CachedTree,
} from '../linux/cached-tree.js';
export { createLinux, exportLinux, importLinux, renameLinux, warmLinux } from '../linux/operations.js';
export { diskZero, diskTarget, layoutOf, type DiskTarget } from '../linux/disk.js';
export { loadVariant, publishedVariants, configLocation, type VariantFiles } from '../config/load.js';
export type { ResolvedVariant } from '../config/resolve.js';
export { debianFamily } from '../guest/debian/family.js';
export {
  LINUX_FAMILY,
  GUEST_STEPS,
  type GuestFamily,
  type GuestPolicy,
  type GuestStep,
  type GuestCommand,
} from '../guest/family.js';
export {
  readGuestFile,
  writeGuestFiles,
  resolveInGuest,
  targetRoot,
  type GuestEntry,
} from '../guest/index.js';
export {
  prepareDisk,
  openDisk,
  type PreparedDisk,
  type OpenedDisk,
  type LayoutConfig,
  type Chroot,
} from '../disk/index.js';
export { enterChroot } from '../guest/chroot.js';
/** Facts of the instance as every guest sees them: names, NIC addresses, the serial console. */
export { guestNames, type GuestNames } from '../guest/hostname.js';
export { planNics, type NicPlan, type Ipv4Plan, type Ipv6Plan } from '../guest/network/index.js';
export { consoleDevice } from '../guest/console.js';
export { installBootloader, startBiosGrub, type BootDisk } from '../boot/install.js';
/** GC roots a provider keeps on the node, listed and pruned by `ganeti-os cache` (guix). */
export { writeGcRootRecord, type GcRootRecord } from '../cache/gcroots.js';
export { runHooks, discoverHooks, buildHookEnv, PHASES, type Phase } from '../hooks/index.js';
export {
  exportTree,
  importTree,
  exportRaw,
  importRaw,
  readStreamStart,
  restoreDump,
  writeHeader,
  tarExtractArgv,
  type StreamHeader,
  type StreamStart,
} from '../stream/index.js';
export { ExecRunner } from '../process/runner.js';
export { runPipeline } from '../process/pipeline.js';
export {
  detectImage,
  writeDiskImage,
  growPartitionTable,
  growFilesystem,
  decompressArgv,
  fetchImage,
  type DetectedImage,
  type ImageFormat,
  type Compression,
  type ImageSource,
} from '../linux/image-deps.js';
export { readRegularNoFollow } from '../fs/nofollow.js';
export { bytesLeft, createProgress, streamSampler, withProgress, type Progress } from '../progress/index.js';
