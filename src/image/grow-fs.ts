/**
 * growFilesystem: make the filesystem on a grown partition fill it. ext2/3/4 are checked
 * (`e2fsck -f -y`) and grown unmounted with resize2fs (online when the caller has it mounted); xfs
 * and btrfs grow only while mounted: in the caller's mount, or in a private temporary mount made
 * here (nosuid,nodev,noexec; xfs with nouuid, since clones of one image share a UUID), registered on
 * the cleanup stack and undone before returning. Other filesystems are left as they are. e2fsck and
 * resize2fs run with fsync made a no-op (eatmydata, when installed): their fsync of a loop device
 * flushes its whole backing file; their writes reach it when they close the device.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DiskContext } from '../disk/context.js';
import { mountAndRegister, removeMountPoint, SAFE_MOUNT_OPTIONS } from '../disk/mount.js';
import { withoutSync } from '../disk/nosync.js';
import type { Runner } from '../process/types.js';
import type { CleanupStack } from '../runtime/cleanup.js';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';

export interface GrowFilesystemOptions {
  /** The partition (or whole-disk) device holding the filesystem. */
  node: string;
  fstype: string;
  /** Where the filesystem is already mounted, if it is. */
  mountedAt?: string;
  runner: Runner;
  log: Logger;
  stack: CleanupStack;
}

const EXT = new Set(['ext2', 'ext3', 'ext4']);

async function growExt(o: GrowFilesystemOptions): Promise<void> {
  if (o.mountedAt === undefined) {
    // e2fsck: 0 clean, 1 errors corrected, 2 corrected and a reboot would be needed; 4 and up failed.
    const r = await o.runner.run('e2fsck', ['-f', '-y', o.node], withoutSync({ reject: false }));
    if (r.exitCode >= 4 || r.exitCode < 0)
      throw new OsError(
        'E_IMAGE_GROW',
        `e2fsck found errors it could not fix on ${o.node} (exit ${r.exitCode})`,
        {
          hint: 'the image filesystem is damaged; repair it with e2fsck -f on the image and try again',
        },
      );
    if (r.exitCode !== 0) o.log.info(`e2fsck corrected errors on ${o.node}`);
  }
  await o.runner.run(
    'resize2fs',
    [o.node],
    withoutSync({ code: 'E_IMAGE_GROW', hint: `could not grow the ${o.fstype} filesystem on ${o.node}` }),
  );
}

/** Mount `o.node` in a private directory for the duration of `fn`, on the cleanup stack. */
async function withMount(o: GrowFilesystemOptions, fn: (dir: string) => Promise<void>): Promise<void> {
  if (o.mountedAt !== undefined) return fn(o.mountedAt);
  const ctx: DiskContext = { runner: o.runner, cleanupRunner: o.runner, stack: o.stack, log: o.log };
  const dir = mkdtempSync(join(tmpdir(), 'ganeti-os-grow-'));
  const rmdir = o.stack.push(`remove ${dir}`, () => removeMountPoint(dir));
  const options = [...SAFE_MOUNT_OPTIONS, 'noexec', ...(o.fstype === 'xfs' ? ['nouuid'] : [])];
  try {
    const mount = await mountAndRegister(ctx, { source: o.node, dir, fstype: o.fstype, options });
    try {
      await fn(dir);
    } finally {
      await mount.release();
    }
  } finally {
    await rmdir.release();
  }
}

export async function growFilesystem(o: GrowFilesystemOptions): Promise<void> {
  const hint = `could not grow the ${o.fstype} filesystem on ${o.node}`;
  if (EXT.has(o.fstype)) await growExt(o);
  else if (o.fstype === 'xfs')
    await withMount(o, async (dir) => {
      await o.runner.run('xfs_growfs', [dir], { code: 'E_IMAGE_GROW', hint });
    });
  else if (o.fstype === 'btrfs')
    await withMount(o, async (dir) => {
      await o.runner.run('btrfs', ['filesystem', 'resize', 'max', dir], { code: 'E_IMAGE_GROW', hint });
    });
  else {
    o.log.info(
      `not growing the filesystem on ${o.node}: ${o.fstype || 'unknown'} filesystems are left as they are`,
    );
    return;
  }
  o.log.info(`grew the ${o.fstype} filesystem on ${o.node} to fill its partition`);
}
