/**
 * Filesystem images for ext2/3/4 roots, the block-level cache of a bootstrapped tree (built by
 * fs-image-build.ts). Restoring one: qemu-img copies the image's allocated extents and zeroes the
 * rest (so stale data on a reused volume never shows through), resize2fs grows the filesystem to
 * the partition, tune2fs gives it the instance's own UUID. Writing ~800 MiB of blocks costs a
 * fraction of creating the tree's tens of thousands of files one by one.
 */
import type { Runner } from '../process/types.js';

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

/** The commands that restore an image onto a partition (pure). */
export function restoreCommands(image: FsImage, device: string, uuid: string): [string, string[]][] {
  return [
    // O_DIRECT on the partition: no second copy in its page cache. (Writing a file disk's backing
    // file directly instead was measured no faster: the flush that makes it durable dominates.)
    ['qemu-img', ['convert', '-n', '-f', 'raw', '-O', 'raw', '-t', 'none', '-W', image.path, device]],
    ['resize2fs', ['-f', device]],
    ['tune2fs', ['-U', uuid, device]],
  ];
}

export async function restoreFsImage(
  runner: Runner,
  image: FsImage,
  device: string,
  uuid: string,
): Promise<void> {
  for (const [cmd, args] of restoreCommands(image, device, uuid)) {
    await runner.run(cmd, args, {
      code: 'E_DISK_IMAGE',
      hint: `could not restore the cached ${image.fstype} image onto ${device}`,
    });
  }
}
