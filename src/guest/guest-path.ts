/**
 * Resolving paths inside an untrusted guest tree. The guest controls every symlink below the target,
 * so nothing here lets the kernel follow one: each component is lstat'ed, and a symlink is resolved
 * by hand with chroot semantics (an absolute link target restarts at the guest root, `..` stops at the
 * guest root). The result is always a host path made only of real directories below the target.
 *
 * Policy, used by the writer: symlinks in the middle of a path are followed inside the guest (Debian
 * has /lib -> usr/lib); a symlink at the final component is replaced, never written through; reads
 * follow a final symlink, again inside the guest only.
 */
import { chmod, lstat, mkdir, readdir, readFile, readlink, realpath } from 'node:fs/promises';
import type { Dirent, Stats } from 'node:fs';
import { constants as fsc, promises as fsp } from 'node:fs';
import { OsError } from '../runtime/errors.js';

const MAX_LINKS = 40;

export interface Resolved {
  /** Host path (below the real target root). */
  hostPath: string;
  /** The path as seen from inside the guest, after resolution ("/usr/lib/x"). */
  guestPath: string;
  /** lstat of the final component, undefined when it does not exist. */
  stat: Stats | undefined;
}

export interface ResolveOptions {
  /** Follow a symlink at the last component (inside the guest). Default false. */
  followFinal?: boolean;
  /** Create missing intermediate directories (mode 0755, root). Default false. */
  createParents?: boolean;
}

function pathError(guestPath: string, why: string): OsError {
  return new OsError('E_GUEST_PATH', `cannot use ${guestPath} inside the guest: ${why}`, {
    hint: 'the guest tree has an unexpected file type or symlink loop at this path; inspect it',
  });
}

/** Split an absolute guest path into components; refuses relative paths and `..`. */
export function splitGuestPath(guestPath: string): string[] {
  if (!guestPath.startsWith('/'))
    throw new OsError('E_INTERNAL', `guest path must be absolute: ${guestPath}`);
  const parts = guestPath.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new OsError('E_INTERNAL', `guest path must not contain '..': ${guestPath}`);
  if (parts.some((p) => p.includes('\0'))) throw new OsError('E_INTERNAL', 'guest path contains NUL');
  return parts;
}

/** The canonical host path of the target root (the target itself is trusted). */
export async function targetRoot(target: string): Promise<string> {
  try {
    const root = await realpath(target);
    const st = await lstat(root);
    if (!st.isDirectory()) throw new Error('not a directory');
    return root;
  } catch (e) {
    throw new OsError(
      'E_GUEST_TARGET',
      `guest target ${target} is not a usable directory: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

async function lstatOrUndef(p: string): Promise<Stats | undefined> {
  try {
    return await lstat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Resolve `guestPath` below `root` (a value from targetRoot()). Missing intermediate directories are
 * an error unless createParents is set; a missing final component is fine (stat undefined).
 */
export async function resolveInGuest(
  root: string,
  guestPath: string,
  opts: ResolveOptions = {},
): Promise<Resolved> {
  const pending = splitGuestPath(guestPath);
  const done: string[] = [];
  let links = 0;
  const host = (parts: string[]): string => (parts.length === 0 ? root : `${root}/${parts.join('/')}`);
  let finalStat: Stats | undefined = await lstat(root);

  while (pending.length > 0) {
    const comp = pending.shift()!;
    if (comp === '.' || comp === '') continue;
    if (comp === '..') {
      done.pop();
      finalStat = await lstat(host(done));
      continue;
    }
    const isLast = pending.length === 0;
    const candidate = host([...done, comp]);
    const st = await lstatOrUndef(candidate);
    if (st === undefined) {
      if (isLast) {
        done.push(comp);
        finalStat = undefined;
        break;
      }
      if (!opts.createParents) {
        return {
          hostPath: host([...done, comp, ...pending]),
          guestPath: '/' + [...done, comp, ...pending].join('/'),
          stat: undefined,
        };
      }
      try {
        await mkdir(candidate, { mode: 0o755 });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        // Made meanwhile (a tree still being unpacked): look at what is there now, link or not.
        pending.unshift(comp);
        continue;
      }
      await chmod(candidate, 0o755);
      done.push(comp);
      finalStat = await lstat(candidate);
      continue;
    }
    if (st.isSymbolicLink() && (!isLast || opts.followFinal)) {
      if (++links > MAX_LINKS) throw pathError(guestPath, 'too many levels of symbolic links');
      const target = await readlink(candidate);
      if (target.startsWith('/')) done.length = 0;
      pending.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
      finalStat = await lstat(host(done));
      continue;
    }
    if (!isLast && !st.isDirectory())
      throw pathError(guestPath, `/${[...done, comp].join('/')} is not a directory`);
    done.push(comp);
    finalStat = st;
  }
  return { hostPath: host(done), guestPath: '/' + done.join('/'), stat: finalStat };
}

/**
 * Read a text file of the guest (symlinks followed inside the guest only). Undefined when absent or
 * not a regular file. The open uses O_NOFOLLOW so a swapped-in symlink cannot lead outside.
 */
export async function readGuestFile(target: string, guestPath: string): Promise<string | undefined> {
  const root = await targetRoot(target);
  const r = await resolveInGuest(root, guestPath, { followFinal: true });
  if (!r.stat?.isFile()) return undefined;
  const fh = await fsp.open(r.hostPath, fsc.O_RDONLY | fsc.O_NOFOLLOW);
  try {
    return await readFile(fh, 'utf8');
  } finally {
    await fh.close();
  }
}

/** The entries of a guest directory (symlinks followed inside the guest); [] when it is not one. */
export async function readGuestDir(target: string, guestPath: string): Promise<Dirent[]> {
  const r = await resolveInGuest(await targetRoot(target), guestPath, { followFinal: true });
  return r.stat?.isDirectory() ? readdir(r.hostPath, { withFileTypes: true }) : [];
}

/** What is at a guest path (following symlinks inside the guest): 'file' | 'dir' | 'other' | undefined. */
export async function guestPathKind(
  target: string,
  guestPath: string,
): Promise<'file' | 'dir' | 'other' | undefined> {
  const root = await targetRoot(target);
  const r = await resolveInGuest(root, guestPath, { followFinal: true });
  if (!r.stat) return undefined;
  return r.stat.isFile() ? 'file' : r.stat.isDirectory() ? 'dir' : 'other';
}
