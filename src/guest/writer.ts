/**
 * The one safe writer for guest files. Every path is resolved inside the target by guest-path.ts
 * (no symlink the guest controls is ever followed by the kernel); a file is written to a fresh
 * temporary name in its directory (O_EXCL|O_NOFOLLOW), chmod'ed and chown'ed explicitly (Ganeti runs
 * us with umask 077), then renamed over the final name, which replaces a symlink instead of writing
 * through it. Directories are created 0755 root unless an entry says otherwise.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsc, promises as fsp } from 'node:fs';
import {
  chmod,
  chown,
  lchown,
  lstat,
  mkdir,
  readFile,
  rename,
  rmdir,
  symlink,
  unlink,
} from 'node:fs/promises';
import { OsError } from '../runtime/errors.js';
import { resolveInGuest, splitGuestPath, targetRoot } from './guest-path.js';
import type {
  GuestDir,
  GuestEdit,
  GuestEntry,
  GuestFile,
  GuestOwner,
  GuestRemove,
  GuestSymlink,
  WriteReport,
} from './types.js';

const ROOT: GuestOwner = { uid: 0, gid: 0 };

function parentAndName(guestPath: string): { parent: string; name: string } {
  const parts = splitGuestPath(guestPath);
  const name = parts.pop();
  if (!name) throw new OsError('E_INTERNAL', `cannot write the guest root itself (${guestPath})`);
  return { parent: '/' + parts.join('/'), name };
}

async function parentDir(root: string, guestPath: string): Promise<{ dir: string; name: string }> {
  const { parent, name } = parentAndName(guestPath);
  const r = await resolveInGuest(root, parent, { followFinal: true, createParents: true });
  if (!r.stat) {
    await mkdir(r.hostPath, { mode: 0o755 });
    await chmod(r.hostPath, 0o755);
  } else if (!r.stat.isDirectory()) {
    throw new OsError(
      'E_GUEST_PATH',
      `cannot write ${guestPath} inside the guest: ${r.guestPath} is not a directory`,
    );
  }
  return { dir: r.hostPath, name };
}

function tmpName(dir: string, name: string): string {
  return `${dir}/.${name}.ganeti-os-${randomBytes(6).toString('hex')}`;
}

async function refuseDirectory(hostPath: string, guestPath: string): Promise<void> {
  try {
    const st = await lstat(hostPath);
    if (st.isDirectory())
      throw new OsError('E_GUEST_PATH', `cannot write ${guestPath} inside the guest: it is a directory`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

async function writeAtomically(
  root: string,
  guestPath: string,
  data: string | Uint8Array,
  mode: number,
  owner: GuestOwner,
): Promise<void> {
  const { dir, name } = await parentDir(root, guestPath);
  const final = `${dir}/${name}`;
  await refuseDirectory(final, guestPath);
  const tmp = tmpName(dir, name);
  const fh = await fsp.open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
  try {
    await fh.writeFile(data);
    await fh.chown(owner.uid, owner.gid);
    await fh.chmod(mode);
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, final);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

async function writeFileEntry(root: string, e: GuestFile): Promise<WriteReport> {
  await writeAtomically(root, e.path, e.content, e.mode, e.owner ?? ROOT);
  return { path: e.path, kind: 'file', action: 'written' };
}

async function writeSymlink(root: string, e: GuestSymlink): Promise<WriteReport> {
  const { dir, name } = await parentDir(root, e.path);
  const final = `${dir}/${name}`;
  await refuseDirectory(final, e.path);
  const tmp = tmpName(dir, name);
  await symlink(e.target, tmp);
  try {
    await lchown(tmp, 0, 0);
    await rename(tmp, final);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  return { path: e.path, kind: 'symlink', action: 'written' };
}

async function writeDir(root: string, e: GuestDir): Promise<WriteReport> {
  const r = await resolveInGuest(root, e.path, { followFinal: true, createParents: true });
  let action: WriteReport['action'] = 'updated-dir';
  if (!r.stat) {
    await mkdir(r.hostPath, { mode: 0o700 });
    action = 'created-dir';
  } else if (!r.stat.isDirectory()) {
    throw new OsError(
      'E_GUEST_PATH',
      `cannot create directory ${e.path} inside the guest: ${r.guestPath} is not a directory`,
    );
  }
  const owner = e.owner ?? ROOT;
  await chown(r.hostPath, owner.uid, owner.gid);
  await chmod(r.hostPath, e.mode);
  return { path: e.path, kind: 'dir', action };
}

/**
 * Make sure a guest directory exists (0755 root) and return its host path, for a host tool that is
 * handed the path (grub-install --boot-directory). The kernel resolves that path on the host, where an
 * absolute symlink in the guest would lead out of it: a path with any symlink on the way is refused.
 */
export async function guestDirForHostTool(target: string, guestPath: string): Promise<string> {
  const root = await targetRoot(target);
  const wanted = '/' + splitGuestPath(guestPath).join('/');
  const r = await resolveInGuest(root, wanted, { followFinal: true });
  if (r.guestPath !== wanted) {
    throw new OsError(
      'E_GUEST_PATH',
      `cannot hand ${wanted} to a host tool: it leads to ${r.guestPath} through a symlink`,
      {
        hint: 'the guest has a symlink where a directory is expected; replace it with the directory',
      },
    );
  }
  await writeDir(root, { kind: 'dir', path: wanted, mode: 0o755 });
  return `${root}${wanted}`;
}

async function writeEdit(root: string, e: GuestEdit): Promise<WriteReport> {
  const r = await resolveInGuest(root, e.path, { followFinal: true });
  let current: string | undefined;
  let mode = e.mode ?? 0o644;
  let owner = e.owner ?? ROOT;
  if (r.stat?.isFile()) {
    const fh = await fsp.open(r.hostPath, fsc.O_RDONLY | fsc.O_NOFOLLOW);
    try {
      current = await readFile(fh, 'utf8');
    } finally {
      await fh.close();
    }
    mode = e.mode ?? r.stat.mode & 0o7777;
    owner = e.owner ?? { uid: r.stat.uid, gid: r.stat.gid };
  } else if (r.stat && !r.stat.isSymbolicLink()) {
    throw new OsError(
      'E_GUEST_PATH',
      `cannot edit ${e.path} inside the guest: ${r.guestPath} is not a regular file`,
    );
  }
  const next = e.apply(current);
  if (next === null || next === current) return { path: e.path, kind: 'edit', action: 'unchanged' };
  // Write to the original name, replacing a symlink there rather than the file it points to.
  await writeAtomically(root, e.path, next, mode, owner);
  return { path: e.path, kind: 'edit', action: 'written' };
}

async function removeEntry(root: string, e: GuestRemove): Promise<WriteReport> {
  const { parent, name } = parentAndName(e.path);
  const r = await resolveInGuest(root, parent, { followFinal: true });
  if (!r.stat?.isDirectory()) return { path: e.path, kind: 'remove', action: 'absent' };
  const final = `${r.hostPath}/${name}`;
  let st;
  try {
    st = await lstat(final);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return { path: e.path, kind: 'remove', action: 'absent' };
    throw err;
  }
  if (st.isDirectory()) {
    // Only an empty directory goes; anything else is not ours to delete.
    await rmdir(final).catch(() => {
      throw new OsError(
        'E_GUEST_PATH',
        `not removing ${e.path} inside the guest: it is a non-empty directory`,
      );
    });
  } else {
    await unlink(final);
  }
  return { path: e.path, kind: 'remove', action: 'removed' };
}

/**
 * Apply entries in order. Returns one report line per entry. Throws OsError E_GUEST_PATH when an
 * entry cannot be written without leaving the target or replacing a directory.
 */
export async function writeGuestFiles(
  target: string,
  entries: readonly GuestEntry[],
): Promise<WriteReport[]> {
  const root = await targetRoot(target);
  const reports: WriteReport[] = [];
  for (const e of entries) {
    switch (e.kind) {
      case 'file':
        reports.push(await writeFileEntry(root, e));
        break;
      case 'symlink':
        reports.push(await writeSymlink(root, e));
        break;
      case 'dir':
        reports.push(await writeDir(root, e));
        break;
      case 'edit':
        reports.push(await writeEdit(root, e));
        break;
      case 'remove':
        reports.push(await removeEntry(root, e));
        break;
      default: {
        const never: never = e;
        throw new OsError('E_INTERNAL', `unknown guest entry ${JSON.stringify(never)}`);
      }
    }
  }
  return reports;
}
