/**
 * openDisk: map an existing instance disk (any layout prepareDisk makes, or a whole-disk filesystem),
 * find the root filesystem (the one with /etc/fstab, else the largest Linux one) and mount it, plus a
 * separate /boot named in the guest's fstab. For rename and export.
 */
import { rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { OsError } from '../runtime/errors.js';
import type { DiskContextInput } from './context.js';
import { attachDisk, checkDiskFree, inspectDisk } from './attach.js';
import { probe, type BlkidInfo } from './filesystems.js';
import { ROOT_FILESYSTEMS } from './layout.js';
import { chooseMapperName, createMapper, type MapperChoice, type MapperName } from './mappers/index.js';
import { ensureDirectory, installMountOptions, mountAndRegister, SAFE_MOUNT_OPTIONS } from './mount.js';
import { readPartitionTable } from './partition.js';
import { readRegularNoFollow } from '../fs/nofollow.js';
import { openSession } from './session.js';
import { killGuestProcesses } from './processes.js';

export interface OpenDiskOptions extends DiskContextInput {
  path: string;
  backendType?: string;
  readOnly?: boolean;
  partitionMapper?: MapperChoice;
  runtimeRoot?: string;
  /**
   * Called once the disk is attached (a file disk's loop device exists and is journaled) and before
   * its partition table is read: a whole-disk image is written here, through the disk's own path.
   * Attaching a loop device flushes its whole backing file on recent kernels, so attaching before
   * the write keeps that flush out of the way; what was read through the loop device before the
   * write (udev probes it when it appears) is dropped afterwards.
   */
  afterAttach?: (device: string) => Promise<void>;
  /** Called with the mapped partitions before any is mounted (growing a filesystem unmounted). */
  beforeMount?: (partitions: readonly OpenedPartition[]) => Promise<void>;
  /**
   * Mount as an install does (installMountOptions: ext3/4 without barriers, so neither the journal
   * nor the mount itself flushes a disk image just written; the caller flushes when it wants the
   * result durable).
   */
  installing?: boolean;
}

export interface OpenedPartition {
  number: number;
  device: string;
  sizeSectors: number;
  fstype: string | undefined;
  uuid: string | undefined;
  label: string | undefined;
}

export interface OpenedDisk {
  target: string;
  device: string;
  runtimeDir: string;
  mapper: MapperName | 'none';
  partitions: OpenedPartition[];
  root: OpenedPartition;
  boot: OpenedPartition | undefined;
}

const LINUX_FS = new Set<string>(ROOT_FILESYSTEMS);

/** Read a regular file inside a mounted guest without following a symlink at the last component. */
function readGuestFile(path: string): string | undefined {
  return readRegularNoFollow(path)?.content.toString('utf8');
}

/** The fstab spec of the guest's /boot entry, if any (pure). */
function bootSpecFromFstab(fstab: string): string | undefined {
  for (const line of fstab.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 2 && !f[0]!.startsWith('#') && f[1] === '/boot') return f[0];
  }
  return undefined;
}

function findBySpec(parts: OpenedPartition[], spec: string): OpenedPartition | undefined {
  const [key, value] = spec.includes('=')
    ? [spec.slice(0, spec.indexOf('=')), spec.slice(spec.indexOf('=') + 1)]
    : ['', spec];
  if (key === 'UUID') return parts.find((p) => p.uuid?.toLowerCase() === value.toLowerCase());
  if (key === 'LABEL') return parts.find((p) => p.label === value);
  return undefined;
}

export async function openDisk(o: OpenDiskOptions): Promise<OpenedDisk> {
  const disk = await inspectDisk(o.runner, o.path, o.backendType);
  const session = await openSession(o, disk.real, o.runtimeRoot);
  const { ctx } = session;
  checkDiskFree(disk);
  const device = await attachDisk(ctx, disk, o.readOnly);
  if (o.afterAttach) {
    await o.afterAttach(device);
    if (disk.isFile)
      await ctx.runner.run('blockdev', ['--flushbufs', device], {
        code: 'E_DISK_FLUSH',
        hint: `could not drop the cached blocks of ${device}`,
      });
  }
  const table = await readPartitionTable(ctx.runner, device);

  let mapper: MapperName | 'none' = 'none';
  const parts: OpenedPartition[] = [];
  if (!table || table.partitions.length === 0) {
    const info = await probe(ctx.runner, device);
    parts.push(toOpened(0, device, Math.floor(disk.sizeBytes / disk.sectorSize), info));
  } else {
    mapper = await chooseMapperName(o, device, o.partitionMapper ?? 'auto');
    const m = createMapper(mapper, ctx, o.readOnly);
    const nodes = await m.map(device, { sectorSize: table.sectorSize, partitions: table.partitions });
    for (const p of table.partitions) {
      const node = nodes.get(p.number)!;
      parts.push(toOpened(p.number, node, p.size, await probe(ctx.runner, node)));
    }
  }
  await o.beforeMount?.(parts);
  const linux = parts.filter((p) => p.fstype && LINUX_FS.has(p.fstype));
  if (linux.length === 0)
    throw new OsError('E_DISK_NO_ROOT', `no Linux filesystem found on ${o.path}`, {
      hint: 'is this disk an instance root disk?',
    });

  const target = session.rootDir;
  const options = [...SAFE_MOUNT_OPTIONS, ...(o.readOnly ? ['ro'] : [])];
  let root: OpenedPartition | undefined;
  if (linux.length === 1) root = linux[0];
  else {
    // The partition holding /etc/fstab is the root; probe each candidate read-only.
    for (const c of linux) {
      const probeDir = join(session.dir, `probe-${c.number}`);
      const h = await mountAndRegister(ctx, {
        source: c.device,
        dir: probeDir,
        fstype: c.fstype!,
        options: [...SAFE_MOUNT_OPTIONS, 'ro', 'noexec'],
      });
      const hasFstab = readGuestFile(join(probeDir, 'etc/fstab')) !== undefined;
      await h.release();
      rmdirSync(probeDir);
      if (hasFstab) {
        root = c;
        break;
      }
    }
    root ??= [...linux].sort((a, b) => b.sizeSectors - a.sizeSectors)[0];
  }
  const extra = (fstype: string): string[] => (o.installing ? installMountOptions(fstype) : []);
  await mountAndRegister(ctx, {
    source: root!.device,
    dir: target,
    fstype: root!.fstype!,
    options: [...options, ...extra(root!.fstype!)],
  });
  ctx.stack.push(`stop processes in ${target}`, async () => {
    await killGuestProcesses(target, o.log);
  });

  let boot: OpenedPartition | undefined;
  const fstab = readGuestFile(join(target, 'etc/fstab'));
  const spec = fstab ? bootSpecFromFstab(fstab) : undefined;
  if (spec) {
    boot = findBySpec(parts, spec);
    if (boot && boot !== root && boot.fstype) {
      const dir = join(target, 'boot');
      ensureDirectory(dir);
      await mountAndRegister(ctx, {
        source: boot.device,
        dir,
        fstype: boot.fstype,
        options: [...options, ...extra(boot.fstype)],
      });
    } else boot = undefined;
  }
  return { target, device, runtimeDir: session.dir, mapper, partitions: parts, root: root!, boot };
}

function toOpened(number: number, device: string, sizeSectors: number, info: BlkidInfo): OpenedPartition {
  return { number, device, sizeSectors, fstype: info.type, uuid: info.uuid, label: info.label };
}
