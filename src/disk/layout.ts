/**
 * Partition layouts as data. `planLayout` is pure: (disk size in bytes, layout config) -> partition
 * plan, or one OsError naming the problem before anything touches the disk. Executors (partition.ts,
 * mkfs.ts, prepare.ts) apply the plan.
 */
import { OsError, type ErrorCode } from '../runtime/errors.js';
import type { RootEncryption } from './encrypt.js';

export const PARTITION_STYLES = ['none', 'msdos', 'gpt'] as const;
export type PartitionStyle = (typeof PARTITION_STYLES)[number];
/** The filesystems a guest root (and a separate /boot) can be made with. */
export const ROOT_FILESYSTEMS = ['ext2', 'ext3', 'ext4', 'xfs', 'btrfs'] as const;
export type RootFilesystem = (typeof ROOT_FILESYSTEMS)[number];

export interface LayoutConfig {
  style: PartitionStyle;
  /** Partition alignment in sectors (default 2048 = 1 MiB). A positive multiple of 8. */
  alignment?: number;
  filesystem: RootFilesystem;
  /** Swap partition size in MiB (none when absent or 0). */
  swapMiB?: number;
  /** Separate /boot partition size in MiB (none when absent or 0). */
  bootMiB?: number;
  bootFilesystem?: RootFilesystem;
  /** EFI system partition size in MiB (gpt only; default 64). */
  espMiB?: number;
  /** Largest root partition in MiB (the rest of the disk stays unpartitioned); absent: the rest of the disk. */
  rootMaxMiB?: number;
  /** Encrypt the root partition (LUKS2, encrypt.ts); its filesystem is made on the opened mapping. */
  encryption?: RootEncryption;
  mkfsOptions?: string[];
  mountOptions?: string[];
}

export interface PlanOptions {
  /** Logical sector size in bytes (default 512). */
  sectorSize?: number;
  /** Smallest root filesystem accepted, in MiB (default 256; a filesystem's own minimum still applies). */
  minRootMiB?: number;
}

export type PartitionRole = 'bios-boot' | 'esp' | 'boot' | 'swap' | 'root';
export type PartitionContent = RootFilesystem | 'vfat' | 'swap' | 'none';

export interface PlannedPartition {
  /** 1-based partition number; 0 means the whole disk (style none). */
  number: number;
  role: PartitionRole;
  /** In sectors. */
  start: number;
  size: number;
  /** sfdisk type: a GUID for gpt, a hex byte for msdos, '' for the whole disk. */
  type: string;
  /** GPT partition name. */
  name?: string;
  bootable: boolean;
  content: PartitionContent;
  /** Where it is mounted in the guest ('/', '/boot', '/boot/efi'); absent for swap/bios-boot. */
  mountpoint?: string;
}

export interface PartitionPlan {
  style: PartitionStyle;
  sectorSize: number;
  totalSectors: number;
  alignment: number;
  filesystem: RootFilesystem;
  bootFilesystem: RootFilesystem;
  partitions: PlannedPartition[];
  mkfsOptions: string[];
  mountOptions: string[];
  /** Which firmware this layout can boot. */
  firmware: { bios: boolean; uefi: boolean };
}

export const GPT_TYPES = {
  'bios-boot': '21686148-6449-6E6F-744E-656564454649',
  esp: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
  linux: '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
  swap: '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F',
} as const;
const MSDOS_TYPES = { linux: '83', swap: '82' } as const;

const MiB = 1024 * 1024;
/** Smallest filesystem each mkfs accepts (xfsprogs >= 5.19 refuses < 300 MiB). */
const FS_MIN_MiB: Record<RootFilesystem, number> = { ext2: 8, ext3: 8, ext4: 8, xfs: 300, btrfs: 128 };
const MIN_BOOT_MiB = 32;
const MIN_ESP_MiB = 8;
const MAX_ALIGNMENT = 2 * 1024 * 1024; // 1 GiB in 512-byte sectors
const GPT_BACKUP_SECTORS = 33;

function layoutError(code: ErrorCode, message: string, hint: string): OsError {
  return new OsError(code, message, { hint });
}

function optionalMiB(name: string, v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw layoutError(
      'E_LAYOUT_OPTION',
      `layout option ${name}=${JSON.stringify(v)} is not a whole number of MiB`,
      `give ${name} as a non-negative integer`,
    );
  }
  return v;
}

function checkFilesystem(name: string, v: unknown): RootFilesystem {
  if (typeof v !== 'string' || !(ROOT_FILESYSTEMS as readonly string[]).includes(v)) {
    throw layoutError(
      'E_LAYOUT_FILESYSTEM',
      `unknown ${name} "${String(v)}"`,
      `use one of ${ROOT_FILESYSTEMS.join(', ')}`,
    );
  }
  return v as RootFilesystem;
}

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}
function alignDown(x: number, a: number): number {
  return Math.floor(x / a) * a;
}

interface Want {
  role: PartitionRole;
  mib: number;
  content: PartitionContent;
  mountpoint?: string;
}

/** Turn a disk size and a layout into a partition plan; throws one OsError for bad input. */
export function planLayout(diskBytes: number, config: LayoutConfig, opts: PlanOptions = {}): PartitionPlan {
  const style = config.style as unknown;
  if (typeof style !== 'string' || !(PARTITION_STYLES as readonly string[]).includes(style)) {
    throw layoutError(
      'E_LAYOUT_STYLE',
      `unknown partition style "${String(style)}"`,
      `use one of ${PARTITION_STYLES.join(', ')}`,
    );
  }
  const filesystem = checkFilesystem('filesystem', config.filesystem);
  const bootFilesystem = checkFilesystem('boot filesystem', config.bootFilesystem ?? 'ext4');
  const sectorSize = opts.sectorSize ?? 512;
  const alignment = config.alignment ?? 2048;
  if (!Number.isInteger(alignment) || alignment <= 0 || alignment % 8 !== 0 || alignment > MAX_ALIGNMENT) {
    throw layoutError(
      'E_LAYOUT_ALIGNMENT',
      `partition alignment ${String(alignment)} is not a positive multiple of 8 sectors up to ${MAX_ALIGNMENT}`,
      'use e.g. 2048 (1 MiB with 512-byte sectors)',
    );
  }
  const swapMiB = optionalMiB('swapMiB', config.swapMiB);
  const bootMiB = optionalMiB('bootMiB', config.bootMiB);
  const espMiBRaw = optionalMiB('espMiB', config.espMiB);
  const rootMaxMiB = optionalMiB('rootMaxMiB', config.rootMaxMiB);
  const minRootMiB = Math.max(opts.minRootMiB ?? 256, FS_MIN_MiB[filesystem]);
  const totalSectors = Math.floor(diskBytes / sectorSize);
  const diskMiB = Math.floor(diskBytes / MiB);
  const base = {
    style: style as PartitionStyle,
    sectorSize,
    totalSectors,
    alignment,
    filesystem,
    bootFilesystem,
    mkfsOptions: [...(config.mkfsOptions ?? [])],
    mountOptions: [...(config.mountOptions ?? [])],
  };

  if (style === 'none') {
    if (swapMiB || bootMiB || rootMaxMiB || config.espMiB !== undefined) {
      throw layoutError(
        'E_LAYOUT_OPTION',
        'partition style "none" cannot have swap, /boot, an EFI partition or a root size limit',
        'use style msdos or gpt for extra partitions',
      );
    }
    if (diskMiB < minRootMiB) {
      throw layoutError(
        'E_DISK_TOO_SMALL',
        `disk of ${diskMiB} MiB is smaller than the ${minRootMiB} MiB minimum for a ${filesystem} root`,
        'grow the disk',
      );
    }
    return {
      ...base,
      partitions: [
        {
          number: 0,
          role: 'root',
          start: 0,
          size: totalSectors,
          type: '',
          bootable: false,
          content: filesystem,
          mountpoint: '/',
        },
      ],
      firmware: { bios: false, uefi: false },
    };
  }
  if (style === 'msdos' && config.espMiB !== undefined) {
    throw layoutError(
      'E_LAYOUT_OPTION',
      'espMiB applies only to partition style "gpt"',
      'drop espMiB or use style gpt',
    );
  }
  if (bootMiB && bootMiB < Math.max(MIN_BOOT_MiB, FS_MIN_MiB[bootFilesystem])) {
    const min = Math.max(MIN_BOOT_MiB, FS_MIN_MiB[bootFilesystem]);
    throw layoutError(
      'E_LAYOUT_OPTION',
      `/boot of ${bootMiB} MiB is below the ${min} MiB minimum for ${bootFilesystem}`,
      `give bootMiB >= ${min}`,
    );
  }
  const espMiB = style === 'gpt' ? espMiBRaw || 64 : 0;
  if (style === 'gpt' && espMiB < MIN_ESP_MiB) {
    throw layoutError(
      'E_LAYOUT_OPTION',
      `EFI system partition of ${espMiB} MiB is below the ${MIN_ESP_MiB} MiB minimum`,
      `give espMiB >= ${MIN_ESP_MiB}`,
    );
  }

  const wants: Want[] = [];
  if (style === 'gpt') {
    wants.push({ role: 'bios-boot', mib: 1, content: 'none' });
    wants.push({ role: 'esp', mib: espMiB, content: 'vfat', mountpoint: '/boot/efi' });
  }
  if (bootMiB) wants.push({ role: 'boot', mib: bootMiB, content: bootFilesystem, mountpoint: '/boot' });
  if (swapMiB) wants.push({ role: 'swap', mib: swapMiB, content: 'swap' });

  const lastUsable = totalSectors - (style === 'gpt' ? GPT_BACKUP_SECTORS + 1 : 0); // exclusive end
  // The first partition starts at 1 MiB (room for GRUB's core.img after the MBR) rounded up to the alignment.
  let next = alignUp(MiB / sectorSize, alignment);
  if (next + alignment * (wants.length + 1) > lastUsable) {
    throw layoutError(
      'E_LAYOUT_ALIGNMENT',
      `alignment of ${alignment} sectors (${((alignment * sectorSize) / MiB).toFixed(2)} MiB) does not fit ${wants.length + 1} partitions on a disk of ${diskMiB} MiB`,
      'use a smaller alignment such as 2048',
    );
  }
  const partitions: PlannedPartition[] = [];
  let number = 1;
  for (const w of wants) {
    const size = alignUp((w.mib * MiB) / sectorSize, alignment);
    partitions.push({
      number: number++,
      role: w.role,
      start: next,
      size,
      type: partType(style as 'msdos' | 'gpt', w.role),
      ...(style === 'gpt' ? { name: w.role } : {}),
      bootable: style === 'msdos' && w.role === 'boot',
      content: w.content,
      ...(w.mountpoint ? { mountpoint: w.mountpoint } : {}),
    });
    next += size;
  }
  if (rootMaxMiB && rootMaxMiB < minRootMiB) {
    throw layoutError(
      'E_LAYOUT_OPTION',
      `a root partition of at most ${rootMaxMiB} MiB is below the ${minRootMiB} MiB minimum for a ${filesystem} root`,
      `give a root size limit of at least ${minRootMiB} MiB`,
    );
  }
  const rest = alignDown(lastUsable - next, alignment);
  const rootSize = rootMaxMiB ? Math.min(rest, alignDown((rootMaxMiB * MiB) / sectorSize, alignment)) : rest;
  const rootMiB = Math.floor((Math.max(rootSize, 0) * sectorSize) / MiB);
  if (rootMiB < minRootMiB) {
    const used = Math.ceil((next * sectorSize) / MiB);
    throw layoutError(
      'E_DISK_TOO_SMALL',
      `disk of ${diskMiB} MiB leaves ${rootMiB} MiB for the ${filesystem} root after ${used} MiB of other partitions; at least ${minRootMiB} MiB needed`,
      `grow the disk to at least ${used + minRootMiB + 1} MiB or shrink swap and /boot`,
    );
  }
  partitions.push({
    number,
    role: 'root',
    start: next,
    size: rootSize,
    type: partType(style as 'msdos' | 'gpt', 'root'),
    ...(style === 'gpt' ? { name: 'root' } : {}),
    bootable: style === 'msdos' && !bootMiB,
    content: filesystem,
    mountpoint: '/',
  });
  return { ...base, partitions, firmware: { bios: true, uefi: style === 'gpt' } };
}

function partType(style: 'msdos' | 'gpt', role: PartitionRole): string {
  if (style === 'gpt') {
    if (role === 'bios-boot') return GPT_TYPES['bios-boot'];
    if (role === 'esp') return GPT_TYPES.esp;
    if (role === 'swap') return GPT_TYPES.swap;
    return GPT_TYPES.linux;
  }
  return role === 'swap' ? MSDOS_TYPES.swap : MSDOS_TYPES.linux;
}

/** The partition with this role, if the plan has one. */
export function partitionByRole(plan: PartitionPlan, role: PartitionRole): PlannedPartition | undefined {
  return plan.partitions.find((p) => p.role === role);
}
