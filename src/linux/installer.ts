/**
 * The seam between the shared Linux install pipeline and a provider: what a provider declares
 * (its configuration, how it fills the mounted root, what it leaves to the shared guest
 * configuration and bootloader steps, how to check an imported tree) and nothing else. The
 * pipeline (create.ts, import.ts, export.ts, rename.ts) runs the operations for it.
 */
import type { ResolvedVariant } from '../config/resolve.js';
import type { FsImage, LayoutConfig, PreparedDisk } from '../disk/index.js';
import type { InstanceInfo } from '../ganeti/types.js';
import type { GuestPolicy } from '../guest/family.js';
import type { Runner } from '../process/types.js';
import type { CleanupStack } from '../runtime/cleanup.js';
import type { Logger } from '../runtime/logger.js';
import type { ProviderPaths, RenameContext } from '../sdk/types.js';
import type { LinuxSettings } from './schema.js';

/** A provider's configuration for one run, as the pipeline reads it. */
export interface LinuxConfig {
  /** The variant as resolved from its files (name; values become the hooks' GANETI_OS_VAR_*). */
  resolved: ResolvedVariant;
  /** The shared settings, OS parameters already applied (filesystem, ssh keys, ...). */
  settings: LinuxSettings;
  /** The private root-password parameter, hashed into the guest; never logged. */
  rootPassword?: string;
  /** An OS parameter chose the root filesystem (import keeps the exported one otherwise). */
  explicitFilesystem?: boolean;
}

export interface ConfigureInput<P> {
  paths: ProviderPaths;
  /** The selected variant ('' when Ganeti gave none). */
  variant: string;
  params: P;
  runner: Runner;
  log: Logger;
  /** The instance, for create and import (a layout sized from its memory, ...); absent for export and warm. */
  instance?: InstanceInfo;
}

/** What populating needs from the run: everything it acquires goes on `stack`. */
export interface PopulateInput {
  paths: ProviderPaths;
  runner: Runner;
  cleanupRunner: Runner;
  log: Logger;
  stack: CleanupStack;
  signal: AbortSignal;
}

/**
 * How the root gets its files. `begin` runs before the disk is prepared and returns at once, so
 * its slow parts (a cache check, a download) overlap partitioning and formatting.
 */
export interface Population {
  /**
   * A filesystem image for the root partition, asked for by the disk layer only when root is
   * about to be formatted; used when its type matches and it fits (mkfs otherwise).
   */
  rootImage?: () => Promise<FsImage | undefined>;
  /** The populate step wants the target empty (a bootstrapper writing straight onto the disk). */
  needsEmptyTarget?: boolean;
  /** The guest will have an OpenSSH server: its host keys are made while the disk is prepared. */
  sshServer?: boolean;
  /** Put the files in place on the prepared, mounted disk; returns a line for the log. */
  fill(disk: PreparedDisk): Promise<string>;
  /** Settle work still in flight when the run fails before `fill` (its undo must be registered first). */
  settled(): Promise<unknown>;
}

export type BootPolicy = 'grub' | 'self' | 'none';

/**
 * A whole-disk image (raw, qcow2) the provider writes onto disk 0 in place of the partition, format
 * and fill steps (src/linux/disk-image.ts runs it).
 */
export interface WholeDisk {
  /** What is written, for the log (`debian-12.qcow2 (qcow2)`). */
  describe: string;
  /** Write the image onto `path` (disk 0: a block device or a file, never truncated); returns a line for the log. */
  write(path: string): Promise<string>;
  /** An opaque guest (Windows, ...): only the bytes are written; nothing is grown, mounted or configured. */
  opaque: boolean;
}

/** Disk 0's devices while the guest is configured, for the hooks of providers that name them. */
export interface HookDevices {
  /** The whole disk (a loop device for a file disk). */
  device: string;
  rootDevice?: string;
  bootDevice?: string;
}

export interface LinuxInstaller<P = Record<string, unknown>, C extends LinuxConfig = LinuxConfig> {
  /** The OS name (directory of Ganeti's search path). */
  os: string;
  configure(input: ConfigureInput<P>): Promise<C>;
  /** One line saying what is installed (suite, architecture, ...), for the log. */
  describe?(cfg: C): string;
  begin(cfg: C, run: PopulateInput): Population;
  /** The shared guest configuration this guest gets (family, skipped steps). */
  guest(cfg: C): GuestPolicy;
  /**
   * `grub`: the shared GRUB step (BIOS and UEFI as the layout has them); `self`: populate installs
   * its own bootloader; `none`: nothing boots from the disk by itself.
   */
  boot(cfg: C): BootPolicy;
  /**
   * Before anything is written: a whole-disk image to write onto disk 0 instead of the tree path
   * (partition, format, `begin`/`fill`); undefined for a tree.
   */
  wholeDisk?(cfg: C, run: PopulateInput): Promise<WholeDisk | undefined>;
  /**
   * The instance as the guest configuration sees it, when the provider's own files add to what
   * Ganeti gives (instance-image's static addresses from networks/instances/<name>).
   */
  guestInstance?(cfg: C, instance: InstanceInfo): Promise<InstanceInfo>;
  /** Variables the provider's hooks expect besides the shared ones (instance-debootstrap's SUITE, ...). */
  hookVars?(cfg: C, devices: HookDevices): Record<string, string>;
  /** export streams the disks' raw bytes, whatever they hold (an opaque guest). */
  rawExport?(cfg: C): boolean;
  /** Check an imported disk 0 holds a tree of this provider; throw OsError otherwise. */
  verifyTree?(target: string, cfg: C): Promise<void>;
  /**
   * Disk 0's layout for create and import, when the provider adds to what the shared disk keys say
   * (a root size limit); default: layoutOf(cfg.settings.disk).
   */
  layout?(cfg: C): LayoutConfig;
  /**
   * import makes disk 0's root filesystem with the exported UUID and label (the stream header's):
   * for guests whose bootloader and file systems name them in files import does not rewrite.
   */
  keepRootIdentity?: boolean;
  /**
   * After import restored disk 0's files (and verifyTree passed), before the shared GRUB step: what
   * the stream cannot carry (btrfs subvolumes, the ESP's files, a `self` bootloader).
   */
  afterImport?(cfg: C, disk: PreparedDisk, run: PopulateInput & { instance: InstanceInfo }): Promise<void>;
  /** Replace the shared rename (a guest whose configuration names the instance elsewhere). */
  rename?(ctx: RenameContext<P>): Promise<void>;
  /** Fill the cache for a variant without a disk (`ganeti-os cache warm`). */
  warm?(cfg: C, run: PopulateInput): Promise<{ path: string; hit: boolean }>;
}
