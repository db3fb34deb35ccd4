/**
 * Filesystem images for ext2/3/4 roots, the block-level cache of a bootstrapped tree (built by
 * fs-image-build.ts). Restoring one: qemu-img copies the image's allocated extents and zeroes the
 * rest (so stale data on a reused volume never shows through), resize2fs grows the filesystem to
 * the partition, tune2fs gives it the instance's own UUID (instant: images carry their checksum
 * seed, so no metadata checksum is rewritten). Writing ~800 MiB of blocks costs a fraction of
 * creating the tree's tens of thousands of files one by one.
 */
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import type { Runner } from '../process/types.js';
import { withProgress } from '../progress/index.js';
import type { Logger } from '../runtime/logger.js';

export const IMAGE_FILESYSTEMS = ['ext2', 'ext3', 'ext4'] as const;
export type ImageFilesystem = (typeof IMAGE_FILESYSTEMS)[number];

export function isImageFilesystem(fs: string): fs is ImageFilesystem {
  return (IMAGE_FILESYSTEMS as readonly string[]).includes(fs);
}

/** A filesystem image ready to be restored: a path the tools can open and its length in bytes. */
export interface FsImage {
  /** Usually /proc/<pid>/fd/<n> of an fd held open, so a concurrent prune cannot pull it away. */
  path: string;
  bytes: number;
  fstype: ImageFilesystem;
}

export interface RestoreOptions {
  /**
   * Read the image with O_DIRECT. Reading it through the page cache costs more CPU than the copy
   * itself and is slower from disk; only an image that is mostly cached already reads faster so.
   */
  directRead?: boolean;
  /**
   * The environment that turns fsync into a no-op (noSyncEnv). Given, nothing is flushed (not the
   * copy at its end, nor what resize2fs and tune2fs write) and the caller flushes the device. Not
   * given, each tool makes its writes durable before it exits.
   */
  noSync?: Record<string, string>;
}

export interface RestoreCommand {
  cmd: string;
  args: string[];
  env?: Record<string, string>;
}

/** The commands that restore an image onto a partition (pure). */
export function restoreCommands(
  image: FsImage,
  device: string,
  uuid: string,
  o: RestoreOptions = {},
): RestoreCommand[] {
  const env = o.noSync ? { env: o.noSync } : {};
  return [
    // O_DIRECT on the partition: no second copy in its page cache.
    {
      cmd: 'qemu-img',
      args: [
        'convert',
        '-n',
        '-f',
        'raw',
        '-O',
        'raw',
        ...(o.directRead ? ['-T', 'none'] : []),
        '-t',
        'none',
        '-W',
        image.path,
        device,
      ],
      ...env,
    },
    { cmd: 'resize2fs', args: ['-f', device], ...env },
    { cmd: 'tune2fs', args: ['-U', uuid, device], ...env },
  ];
}

/** The `Filesystem features:` of `dumpe2fs -h` output (pure). */
export function parseFsFeatures(dumpe2fs: string): string[] {
  const line = /^Filesystem features:\s*(.*)$/m.exec(dumpe2fs)?.[1] ?? '';
  return line.split(/\s+/).filter((f) => f && f !== '(none)');
}

/** Metadata checksums without a stored seed: tune2fs -U would rewrite every checksum (pure). */
export function checksumSeedWanted(features: readonly string[]): boolean {
  return features.includes('metadata_csum') && !features.includes('metadata_csum_seed');
}

/** `fincore -b -n -r -o RES` output: resident bytes (pure); undefined when unreadable. */
export function parseResidentBytes(text: string): number | undefined {
  const n = Number(text.trim().split(/\s+/)[0]);
  return text.trim() && Number.isFinite(n) ? n : undefined;
}

/** O_DIRECT opens the file (not on tmpfs, for one). */
export function opensDirect(path: string): boolean {
  try {
    closeSync(openSync(path, constants.O_RDONLY | constants.O_DIRECT));
    return true;
  } catch {
    return false;
  }
}

/** Whether to read the image with O_DIRECT: it can be, and less than half its data is cached. */
export async function readImageDirect(runner: Runner, path: string): Promise<boolean> {
  if (!opensDirect(path)) return false;
  let allocated: number;
  try {
    const fd = openSync(path, constants.O_RDONLY);
    try {
      allocated = fstatSync(fd).blocks * 512;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  // fincore (util-linux) missing or failing: the image is taken as not cached.
  const r = await runner
    .run('fincore', ['-b', '-n', '-r', '-o', 'RES', path], { reject: false })
    .catch(() => undefined);
  const resident = r?.exitCode === 0 ? parseResidentBytes(r.stdout) : undefined;
  return resident === undefined || resident * 2 < allocated;
}

/**
 * Restore `image` onto `device`. With `noSync` nothing is flushed (see RestoreOptions); `afterCopy`
 * runs once the blocks are written, before the filesystem is grown (to start their writeback).
 * `directRead` is probed (readImageDirect) unless given.
 */
export async function restoreFsImage(
  runner: Runner,
  image: FsImage,
  device: string,
  uuid: string,
  o: {
    noSync?: Record<string, string>;
    directRead?: boolean;
    afterCopy?: () => void;
    /** Progress of the copy (a heartbeat line every 10 s) goes here. */
    log?: Logger;
  } = {},
): Promise<void> {
  const directRead = o.directRead ?? (await readImageDirect(runner, image.path));
  const cmds = restoreCommands(image, device, uuid, {
    directRead,
    ...(o.noSync ? { noSync: o.noSync } : {}),
  });
  const steps = async (): Promise<void> => {
    for (const [i, c] of cmds.entries()) {
      await runner.run(c.cmd, c.args, {
        ...(c.env ? { env: c.env } : {}),
        code: 'E_DISK_IMAGE',
        hint: `could not restore the cached ${image.fstype} image onto ${device}`,
      });
      if (i === 0) o.afterCopy?.();
    }
  };
  if (!o.log) return steps();
  const phase = `restore the cached ${image.fstype} image onto ${device}`;
  await withProgress({ log: o.log, phase, summary: 'long' }, steps);
}
