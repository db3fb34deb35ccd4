/**
 * prepareDisk: the create path. Plan (pure, fails before the disk is touched), recover leftovers,
 * refuse a disk in use, attach, wipe and partition, map, encrypt the root (when the layout says so),
 * mkfs, mount root and /boot (not the ESP) nosuid,nodev under the per-disk runtime dir. Every step registers its undo on the stack.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DiskContext, DiskContextInput } from './context.js';
import { attachDisk, checkDiskFree, inspectDisk } from './attach.js';
import { encryptPartition, type EncryptedRoot } from './encrypt.js';
import { makeFilesystem, requireUuid } from './filesystems.js';
import { planFstabEntries, type FormattedPartition, type FstabEntry } from './fstab.js';
import { planLayout, type LayoutConfig, type PartitionPlan } from './layout.js';
import { chooseMapperName, createMapper, type MapperChoice, type MapperName } from './mappers/index.js';
import {
  ensureDirectory,
  flushDevice,
  installMountOptions,
  startWriteback,
  mountAndRegister,
  NO_BARRIER_FS,
  SAFE_MOUNT_OPTIONS,
} from './mount.js';
import { writePartitionTable } from './partition.js';
import { readImageDirect, restoreFsImage, type FsImage } from './fs-image.js';
import { noSyncEnv } from './nosync.js';
import { openSession } from './session.js';
import { killGuestProcesses } from './processes.js';

export interface PrepareDiskOptions extends DiskContextInput {
  path: string;
  /** DISK_<n>_BACKEND_TYPE (`block`, `file:loop`, ...); a regular file is a file disk either way. */
  backendType?: string;
  layout: LayoutConfig;
  partitionMapper?: MapperChoice;
  minRootMiB?: number;
  runtimeRoot?: string;
  /** Called at each step (progress, fault-injection tests). */
  onStep?: (step: string) => void;
  /**
   * A filesystem image for the root partition, asked for once the disk is attached (so a plan that
   * fails, or a disk in use, costs no cache work) and looked up while it is partitioned. Used when
   * its type matches and it fits; mkfs otherwise.
   */
  rootImage?: () => Promise<FsImage | undefined>;
  /**
   * Flush the device to stable storage after the last unmount (default). Off, create returns once
   * everything is written to the device and the kernel writes the node's page cache back.
   */
  durable?: boolean;
}

export interface PreparedDisk {
  /** The mounted guest root. */
  target: string;
  /** The whole-disk block device (a loop for file disks). */
  device: string;
  diskPath: string;
  runtimeDir: string;
  mapper: MapperName | 'none';
  partitions: FormattedPartition[];
  fstab: FstabEntry[];
  plan: PartitionPlan;
  /** The root filesystem came from `rootImage` (it already holds the tree). */
  rootRestored: boolean;
  /** The root is encrypted (layout.encryption): the root entry of `partitions` is its opened mapping. */
  encryption?: EncryptedRoot;
}

export async function prepareDisk(o: PrepareDiskOptions): Promise<PreparedDisk> {
  const step = (s: string): void => {
    o.log.debug(`disk: ${s}`);
    o.onStep?.(s);
  };
  const disk = await inspectDisk(o.runner, o.path, o.backendType);
  const plan = planLayout(disk.sizeBytes, o.layout, {
    sectorSize: disk.sectorSize,
    ...(o.minRootMiB !== undefined ? { minRootMiB: o.minRootMiB } : {}),
  });
  if (o.partitionMapper && o.partitionMapper !== 'auto') await chooseMapperName(o, '/', o.partitionMapper); // validates the name
  step('planned');
  const session = await openSession(o, disk.real, o.runtimeRoot);
  const { ctx } = session;
  step('recovered');
  checkDiskFree(disk);
  const device = await attachDisk(ctx, disk, false, true);
  step('attached');
  // The cached root image (pinned, or made first) is looked up while the disk is partitioned.
  const rootPlan = plan.partitions.find((p) => p.role === 'root' && p.content !== 'none');
  const imageP = rootPlan && o.rootImage ? lookUpImage(ctx, o.rootImage) : undefined;
  imageP?.catch(() => undefined); // awaited below, or settled before a failure is thrown
  let formatted: Formatted;
  try {
    formatted = await partitionAndFormat(
      o,
      ctx,
      device,
      disk.isFile ? disk.real : undefined,
      plan,
      imageP,
      step,
    );
  } catch (e) {
    await imageP?.catch(() => undefined); // what it acquired is on the stack before it unwinds
    throw e;
  }
  const { partitions, mapperName, rootRestored, encryption } = formatted;
  step('formatted');

  const target = session.rootDir;
  const root = partitions.find((p) => p.role === 'root')!;
  const boot = partitions.find((p) => p.role === 'boot');
  // While installing, journal commits skip the device cache flush (grub-install alone fsyncs ~300
  // files, each a flush of a loop device's backing file), and a restored image is not flushed
  // either; an interrupted install is redone anyway. One flush after the last unmount (undo steps
  // run LIFO) makes the result durable, when asked.
  if (o.durable !== false && (rootRestored || [root, boot].some((p) => p && NO_BARRIER_FS.has(p.fstype)))) {
    ctx.stack.push(`flush ${device}`, () => flushDevice(ctx.cleanupRunner, device));
  }
  const options = [...SAFE_MOUNT_OPTIONS, ...plan.mountOptions, ...installMountOptions(root.fstype)];
  await mountAndRegister(ctx, { source: root.device, dir: target, fstype: root.fstype, options });
  // Hooks may leave daemons running in the guest: stop them before the root is unmounted.
  ctx.stack.push(`stop processes in ${target}`, async () => {
    await killGuestProcesses(target, o.log);
  });
  if (boot) {
    const dir = join(target, 'boot');
    ensureDirectory(dir);
    await mountAndRegister(ctx, {
      source: boot.device,
      dir,
      fstype: boot.fstype,
      options: [...SAFE_MOUNT_OPTIONS, ...installMountOptions(boot.fstype)],
    });
  }
  if (partitions.some((p) => p.role === 'esp'))
    mkdirSync(join(target, 'boot/efi'), { recursive: true, mode: 0o700 });
  step('mounted');

  return {
    target,
    device,
    diskPath: disk.real,
    runtimeDir: session.dir,
    mapper: mapperName,
    partitions,
    fstab: planFstabEntries(partitions, plan.mountOptions),
    plan,
    rootRestored,
    ...(encryption ? { encryption } : {}),
  };
}

interface LookedUpImage {
  image: FsImage;
  /** Whether to read it with O_DIRECT (readImageDirect). */
  directRead: boolean;
}

/** The root image, and how to read it, looked up while the disk is partitioned. */
async function lookUpImage(
  ctx: DiskContext,
  rootImage: () => Promise<FsImage | undefined>,
): Promise<LookedUpImage | undefined> {
  const image = await rootImage();
  return image && { image, directRead: await readImageDirect(ctx.runner, image.path) };
}

interface Formatted {
  partitions: FormattedPartition[];
  mapperName: MapperName | 'none';
  rootRestored: boolean;
  encryption?: EncryptedRoot;
}

/** Partition table, partition nodes, then each filesystem (the root restored from the image when it can be). */
async function partitionAndFormat(
  o: PrepareDiskOptions,
  ctx: DiskContext,
  device: string,
  /** The file behind `device` (a file disk). */
  backingFile: string | undefined,
  plan: PartitionPlan,
  imageP: Promise<LookedUpImage | undefined> | undefined,
  step: (s: string) => void,
): Promise<Formatted> {
  await writePartitionTable(ctx.runner, o.log, device, plan);
  step('partitioned');

  let nodes = new Map<number, string>([[0, device]]);
  let mapperName: MapperName | 'none' = 'none';
  if (plan.style !== 'none') {
    mapperName = await chooseMapperName(o, device, o.partitionMapper ?? 'auto');
    const mapper = createMapper(mapperName, ctx);
    nodes = await mapper.map(device, plan);
  }
  step('mapped');

  const partitions: FormattedPartition[] = [];
  let rootRestored = false;
  let encryption: EncryptedRoot | undefined;
  for (const p of plan.partitions) {
    let node = nodes.get(p.number)!;
    if (p.content === 'none') {
      partitions.push({ role: p.role, number: p.number, device: node, uuid: undefined, fstype: 'none' });
      continue;
    }
    if (p.role === 'root' && o.layout.encryption) {
      step('encrypt:root');
      encryption = await encryptPartition(ctx, node, o.layout.encryption);
      node = encryption.device;
    }
    const { image, directRead } = (p.role === 'root' ? await imageP : undefined) ?? {};
    if (image && image.fstype === p.content && image.bytes <= p.size * plan.sectorSize) {
      step('restore:root');
      const uuid = randomUUID();
      // No wipefs here: sfdisk (--wipe-partitions) or, without a table, wipefs on the whole device
      // has just removed every old signature from it.
      // Writeback is started early only to shorten the final flush; without one, the kernel's own.
      const kick = o.durable === false ? undefined : backingFile;
      await restoreRoot(ctx, image, node, uuid, kick, directRead);
      partitions.push({ role: p.role, number: p.number, device: node, uuid, fstype: p.content });
      rootRestored = true;
      continue;
    }
    if (image) {
      const why =
        image.fstype !== p.content
          ? `the root is ${p.content}`
          : `${Math.ceil(image.bytes / 1048576)} MiB do not fit the ${Math.floor((p.size * plan.sectorSize) / 1048576)} MiB root`;
      o.log.info(`disk: not restoring the cached ${image.fstype} image (${why}); formatting the root`);
    }
    step(`mkfs:${p.role}`);
    await makeFilesystem(ctx.runner, p.content, node, p.role === 'root' ? plan.mkfsOptions : []);
    partitions.push({
      role: p.role,
      number: p.number,
      device: node,
      uuid: await requireUuid(ctx.runner, node),
      fstype: p.content,
    });
  }
  return { partitions, mapperName, rootRestored, ...(encryption ? { encryption } : {}) };
}

/**
 * Restore the root image without waiting for its blocks to reach the disk (when eatmydata is there
 * to keep resize2fs and tune2fs from flushing); the caller flushes the device after the last
 * unmount. On a file disk the blocks wait in the backing file's page cache: their writeback starts
 * right away and goes on while the filesystem is grown and the guest installed.
 */
async function restoreRoot(
  ctx: DiskContext,
  image: FsImage,
  node: string,
  uuid: string,
  backingFile: string | undefined,
  directRead: boolean | undefined,
): Promise<void> {
  const noSync = noSyncEnv();
  await restoreFsImage(ctx.runner, image, node, uuid, {
    log: ctx.log,
    ...(noSync ? { noSync } : {}),
    ...(directRead !== undefined ? { directRead } : {}),
    afterCopy: () => {
      if (!noSync || backingFile === undefined) return;
      const writeback = startWriteback(ctx.runner, backingFile).catch(() => undefined);
      ctx.stack.push(`wait for the writeback of ${backingFile}`, () => writeback);
    },
  });
}
