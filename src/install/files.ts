/** Idempotent, atomic file operations for installing: write only when changed, temp + rename. */
import {
  existsSync,
  lstatSync,
  readFileSync,
  readlinkSync,
  renameSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomicSync } from '../fs/atomic.js';

function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now().toString(36)}`);
}

/** Write `content` to `path` with `mode` (umask-proof) unless it is already so. Returns true if written. */
export function writeIfChanged(path: string, content: string | Buffer, mode: number): boolean {
  const data = typeof content === 'string' ? Buffer.from(content) : content;
  try {
    const st = lstatSync(path);
    if (st.isFile() && (st.mode & 0o7777) === mode && readFileSync(path).equals(data)) return false;
  } catch {
    // absent: write it
  }
  writeFileAtomicSync(path, data, { mode });
  return true;
}

/** Point `path` at `target` (a symlink), replacing whatever is there atomically. */
export function symlinkIfChanged(path: string, target: string): boolean {
  try {
    if (lstatSync(path).isSymbolicLink() && readlinkSync(path) === target) return false;
  } catch {
    // absent
  }
  const tmp = tempName(path);
  symlinkSync(target, tmp);
  renameSync(tmp, path);
  return true;
}

export function removeIfExists(path: string): boolean {
  if (!existsSync(path) && !isLink(path)) return false;
  unlinkSync(path);
  return true;
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
