/**
 * Building a filesystem image (see fs-image.ts): a sparse file, formatted and mounted through
 * prepareDisk like any guest disk (loop, journal, recovery), filled by the caller, then checked,
 * shrunk to its minimum size, given a stored checksum seed, and its blocks of zeros made holes.
 */
import { existsSync } from 'node:fs';
import { open, stat, unlink } from 'node:fs/promises';
import { CleanupStack } from '../runtime/cleanup.js';
import { OsError } from '../runtime/errors.js';
import type { DiskContextInput } from './context.js';
import { checksumSeedWanted, parseFsFeatures, type ImageFilesystem } from './fs-image.js';
import { prepareDisk } from './prepare.js';
import { recoverDisk } from './recover.js';

export interface BuildFsImageOptions extends DiskContextInput {
  /** The image file to create. */
  file: string;
  fstype: ImageFilesystem;
  mkfsOptions: readonly string[];
  /** Apparent size while it is filled; it is shrunk afterwards. */
  sizeBytes: number;
  /** Fill the mounted filesystem. */
  fill: (root: string) => Promise<void>;
}

/**
 * With metadata checksums, a new UUID means rewriting every checksum (all inode tables: ~0.1 s per
 * restore) unless the checksum seed is stored in the superblock: store it once here.
 */
async function storeChecksumSeed(o: Pick<BuildFsImageOptions, 'runner' | 'file'>): Promise<void> {
  const sb = await o.runner.run('dumpe2fs', ['-h', o.file], {
    code: 'E_DISK_IMAGE',
    hint: 'could not read the superblock of the new image',
  });
  if (!checksumSeedWanted(parseFsFeatures(sb.stdout))) return;
  await o.runner.run('tune2fs', ['-O', 'metadata_csum_seed', o.file], {
    code: 'E_DISK_IMAGE',
    hint: 'could not store the checksum seed in the new image',
  });
}

/**
 * Build an image file; returns its final size. The file is removed on failure. `file` is a fixed
 * name per image (its builder holds a lock): one left by a killed build is recovered first (its
 * mount and loop device undone) and replaced.
 */
export async function buildFsImage(o: BuildFsImageOptions): Promise<number> {
  const { runner, log } = o;
  if (existsSync(o.file)) {
    log.info(`cache: recovering ${o.file}, left by a build that was killed`);
    await recoverDisk(o.file, { runner: o.cleanupRunner ?? runner, log });
    await unlink(o.file);
  }
  // Its own stack (the image is unmounted and detached before it is checked and shrunk), unwound
  // from the caller's stack too when a signal arrives meanwhile.
  const stack = new CleanupStack(log);
  const outer = o.stack.push(`unmount the image being built in ${o.file}`, async () => {
    await stack.unwind();
  });
  const fh = await open(o.file, 'wx', 0o600);
  try {
    await fh.truncate(o.sizeBytes);
  } finally {
    await fh.close();
  }
  try {
    let failure: Error | undefined;
    try {
      const prepared = await prepareDisk({
        path: o.file,
        layout: { style: 'none', filesystem: o.fstype, mkfsOptions: [...o.mkfsOptions] },
        runner,
        ...(o.cleanupRunner ? { cleanupRunner: o.cleanupRunner } : {}),
        stack,
        log,
      });
      await o.fill(prepared.target);
    } catch (e) {
      failure = e instanceof Error ? e : new Error(String(e));
    }
    const errors = await stack.unwind();
    outer.dismiss();
    // The fill's own error first; else an undo that failed (the image may still be mounted).
    if (failure !== undefined) throw failure;
    if (errors.length > 0) throw errors[0]!;
    // resize2fs -M wants a freshly checked filesystem; exit 1 means "fixed", which a clean build never needs.
    const fsck = await runner.run('e2fsck', ['-f', '-y', o.file], { reject: false });
    if (fsck.exitCode !== 0) {
      throw new OsError(
        'E_DISK_IMAGE',
        `e2fsck found problems in the new image ${o.file} (exit ${fsck.exitCode})`,
        {
          hint: 'the tree did not fit or the build was interrupted',
        },
      );
    }
    await runner.run('resize2fs', ['-M', o.file], {
      code: 'E_DISK_IMAGE',
      hint: 'could not shrink the filesystem image',
    });
    await storeChecksumSeed(o);
    // Blocks of zeros (inode tables, the journal's unused part) become holes, which a restore neither
    // reads nor writes (it zeroes them on the target). Worth ~7% of the copy; best effort.
    await runner.run('fallocate', ['--dig-holes', o.file], { reject: false }).catch(() => undefined);
    return (await stat(o.file)).size;
  } catch (e) {
    await unlink(o.file).catch(() => undefined);
    throw e;
  }
}
