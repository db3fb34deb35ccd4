/**
 * Read one regular file on the host by path without following a symlink at its last component
 * (O_NOFOLLOW) and without reading anything but a regular file: for files of a mounted guest whose
 * parent directories were already resolved inside the guest.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';

export function readRegularNoFollow(
  path: string,
  maxBytes = Infinity,
): { content: Buffer; mode: number } | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > maxBytes) return undefined;
    return { content: readFileSync(fd), mode: st.mode & 0o777 };
  } finally {
    closeSync(fd);
  }
}
