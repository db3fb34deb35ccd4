/**
 * Reading and writing files inside a mounted guest without ever leaving it: every path component
 * below the target is checked with lstat and a symlink is refused, and the final open uses
 * O_NOFOLLOW. The guest is untrusted data.
 */
import { closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { OsError } from '../runtime/errors.js';

function refuse(path: string, why: string): OsError {
  return new OsError('E_GUEST_PATH', `refusing guest path ${path}: ${why}`, { hint: 'the guest has a symlink or odd file where a directory/file is expected' });
}

/** Absolute host path of `rel` inside `target`, creating missing directories when `create`. */
export function guestDir(target: string, rel: string, create = false): string {
  const parts = rel.split('/').filter((p) => p && p !== '.');
  let cur = target;
  for (const p of parts) {
    if (p === '..') throw refuse(rel, '".." is not allowed');
    cur = join(cur, p);
    let st;
    try {
      st = lstatSync(cur);
    } catch {
      if (!create) throw refuse(rel, `${cur} is missing`);
      mkdirSync(cur, { mode: 0o755 });
      continue;
    }
    if (st.isSymbolicLink()) throw refuse(rel, `${cur} is a symlink`);
    if (!st.isDirectory()) throw refuse(rel, `${cur} is not a directory`);
  }
  return cur;
}

/** Write a file inside the guest (atomically via a temp file in the same directory). */
export function writeGuestFile(target: string, rel: string, content: string | Buffer, mode = 0o644): void {
  const i = rel.lastIndexOf('/');
  const dir = guestDir(target, i > 0 ? rel.slice(0, i) : '', true);
  const name = rel.slice(i + 1);
  const file = join(dir, name);
  try {
    if (lstatSync(file).isSymbolicLink()) throw refuse(rel, 'it is a symlink');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const tmp = join(dir, `.${name}.ganeti-os-tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, mode);
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** Names of regular files in a guest directory ([] when it is missing). */
export function listGuestFiles(target: string, rel: string): string[] {
  let dir: string;
  try {
    dir = guestDir(target, rel);
  } catch {
    return [];
  }
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
}
