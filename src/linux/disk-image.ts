/**
 * create (and reinstall) from a whole-disk image (raw, qcow2, compressed raw): the provider writes
 * the image onto disk 0 (never recreated nor truncated), the last partition and its filesystem grow
 * to fill a larger disk, the disk is opened as export and rename open it (root found by its fstab,
 * its own /boot mounted), and the shared pass configures the guest on it: hostname, every NIC,
 * a fresh machine-id and ssh host keys, hooks.
 *
 * The guest's own fstab and bootloader are kept: the image was made bootable with its layout, and
 * growing only moves the end of the last partition, which nothing the bootloader reads depends on;
 * so GRUB is never reinstalled here. An opaque image (`WholeDisk.opaque`: Windows and others) gets
 * its bytes and nothing else.
 */
import { claimDisk, openDisk, type OpenedDisk, type OpenedPartition } from '../disk/index.js';
import { flushDevice, startWriteback } from '../disk/mount.js';
import { runsStep, type GuestPolicy } from '../guest/family.js';
import { makeSshHostKeys, type SavedKey, type SshHostKeyPair } from '../guest/index.js';
import type { CreateContext } from '../sdk/types.js';
import { configureGuest, type GuestDisk } from './configure.js';
import { diskZero } from './disk.js';
import { growFilesystem, growPartitionTable } from './image-deps.js';
import type { LinuxConfig, LinuxInstaller, WholeDisk } from './installer.js';

/** The partition grown to the end of the disk: the numbered one, or the whole-disk filesystem. Pure. */
export function grownPartition(
  opened: Pick<OpenedDisk, 'partitions'>,
  grown: { grown: boolean; partition?: number },
): OpenedPartition | undefined {
  const whole = opened.partitions.find((p) => p.number === 0);
  if (whole) return whole.fstype ? whole : undefined;
  if (!grown.grown || grown.partition === undefined) return undefined;
  const p = opened.partitions.find((x) => x.number === grown.partition);
  return p?.fstype ? p : undefined;
}

export async function createFromDiskImage<P>(
  ctx: CreateContext<P>,
  installer: LinuxInstaller<P>,
  cfg: LinuxConfig,
  whole: WholeDisk,
  o: { hashedPassword: string | undefined; savedKeys: readonly SavedKey[] },
): Promise<void> {
  const { log, runner, cleanup: stack } = ctx;
  const disk = diskZero(ctx);
  // Nothing may hold the disk while its bytes are replaced (a mounted partition, a running guest).
  await claimDisk({ ...disk, runner, cleanupRunner: ctx.cleanupRunner, log, stack });
  const policy = installer.guest(cfg);
  // Made while the image is copied (RSA takes a second); used if the guest turns out to run sshd.
  let hostKeys: Promise<SshHostKeyPair[] | undefined> = Promise.resolve(undefined);
  const startHostKeys = (): void => {
    if (whole.opaque || !runsStep(policy, 'ssh-host-keys')) return;
    hostKeys = makeSshHostKeys(runner, ctx.instance.name);
    hostKeys.catch(() => undefined); // awaited by configureGuest, or settled below
  };
  try {
    await writeGrowConfigure(ctx, installer, cfg, whole, {
      ...o,
      policy,
      startHostKeys,
      hostKeys: () => hostKeys,
    });
  } catch (e) {
    // Its temporary directory is removed only once every ssh-keygen has finished.
    await hostKeys.catch(() => undefined);
    throw e;
  }
}

async function writeGrowConfigure<P>(
  ctx: CreateContext<P>,
  installer: LinuxInstaller<P>,
  cfg: LinuxConfig,
  whole: WholeDisk,
  o: {
    hashedPassword: string | undefined;
    savedKeys: readonly SavedKey[];
    policy: GuestPolicy;
    /** Start making the host keys (once the copy runs: spawning them must not delay it). */
    startHostKeys: () => void;
    hostKeys: () => Promise<SshHostKeyPair[] | undefined>;
  },
): Promise<void> {
  const { log, runner, cleanup: stack } = ctx;
  const disk = diskZero(ctx);
  if (whole.opaque) {
    log.info(await whole.write(disk.path));
    log.info('opaque image: written as it is (nothing grown, mounted or configured)');
    return;
  }
  let grown: Awaited<ReturnType<typeof growPartitionTable>> | undefined;
  let writeback: Promise<void> | undefined;
  // The image is written once the disk is attached (see openDisk's afterAttach). The tools after it
  // skip their own fsync (each would flush the whole image just written). With `disk-sync:
  // durable`, writeback of the copy starts at once and runs while the disk is grown and the guest
  // configured, and one flush of the disk after the last unmount (undo steps run LIFO) makes the
  // result durable; otherwise the kernel writes the page cache back when it sees fit.
  const opened = await openDisk({
    ...disk,
    runner,
    cleanupRunner: ctx.cleanupRunner,
    log,
    stack,
    installing: true,
    afterAttach: async () => {
      // write() has spawned its copying tool by the time it first waits, so the ssh-keygens start
      // right behind it.
      const writing = whole.write(disk.path);
      o.startHostKeys();
      log.info(await writing);
      if (cfg.settings.disk.diskSync === 'durable') {
        stack.push(`flush ${disk.path}`, async () => {
          await writeback;
          await flushDevice(ctx.cleanupRunner, disk.path);
        });
        writeback = startWriteback(runner, disk.path).catch(() => undefined);
      }
      grown = await growPartitionTable(disk.path, runner, log);
    },
    // The filesystem grows before anything is mounted: resize2fs then needs no online resize (which
    // wants CAP_SYS_RESOURCE); xfs and btrfs get a private mount of their own.
    beforeMount: async (partitions) => {
      const part = grownPartition({ partitions: [...partitions] }, grown!);
      if (part) await growFilesystem({ node: part.device, fstype: part.fstype!, runner, log, stack });
    },
  });
  const guestDisk: GuestDisk = {
    target: opened.target,
    device: opened.device,
    rootDevice: opened.root.device,
    fstab: [],
  };
  const instance = installer.guestInstance ? await installer.guestInstance(cfg, ctx.instance) : ctx.instance;
  await configureGuest(instance === ctx.instance ? ctx : { ...ctx, instance }, {
    os: installer.os,
    cfg,
    policy: o.policy,
    boot: 'self',
    hookVars:
      installer.hookVars?.(cfg, {
        device: opened.device,
        rootDevice: opened.root.device,
        ...(opened.boot ? { bootDevice: opened.boot.device } : {}),
      }) ?? {},
    disk: guestDisk,
    hashedPassword: o.hashedPassword,
    savedKeys: o.savedKeys,
    hostKeys: o.hostKeys(),
  });
}
