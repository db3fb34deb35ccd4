/**
 * Removing a staging tree recursively, but never across a mount: a bootstrap may have mounted /proc
 * or /dev below it, and a recursive delete there would destroy the host. /proc/self/mountinfo is
 * checked first; anything mounted at or below the directory makes this refuse.
 */
import { readFile, realpath, rm } from 'node:fs/promises';
import { OsError } from '../runtime/errors.js';

/** mountinfo escapes blanks and backslashes as \ooo. */
function unescapeMount(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export async function mountsBelow(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const prefix = dir.replace(/\/+$/, '');
  return text
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => m !== undefined)
    .map(unescapeMount)
    .filter((m) => m === prefix || m.startsWith(prefix + '/'));
}

export async function removeTreeSafely(dir: string): Promise<void> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const mounted = await mountsBelow(real);
  if (mounted.length > 0) {
    throw new OsError('E_CACHE_MOUNTED', `not removing ${dir}: ${mounted[0]} is still mounted`, {
      hint: `unmount it (umount -R ${dir}) and remove the directory by hand`,
    });
  }
  await rm(real, { recursive: true, force: true });
}
