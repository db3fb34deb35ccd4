/**
 * Removing a staging tree recursively, but never across a mount: a bootstrap may have mounted /proc
 * or /dev below it, and a recursive delete there would destroy the host. /proc/self/mountinfo is
 * checked first; anything mounted at or below the directory makes this refuse.
 */
import { realpath, rm } from 'node:fs/promises';
import { mountsBelow } from '../disk/mountinfo.js';
import { OsError } from '../runtime/errors.js';

export async function removeTreeSafely(dir: string): Promise<void> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const mounted = mountsBelow(real);
  if (mounted.length > 0) {
    throw new OsError('E_CACHE_MOUNTED', `not removing ${dir}: ${mounted[0]} is still mounted`, {
      hint: `unmount it (umount -R ${dir}) and remove the directory by hand`,
    });
  }
  await rm(real, { recursive: true, force: true });
}
