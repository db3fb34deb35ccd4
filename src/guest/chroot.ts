/**
 * A chroot ready for guest commands: the API filesystems (src/disk/chroot.ts) plus a policy-rc.d
 * that keeps package scripts from starting daemons while the guest is being set up. The guest's own
 * policy-rc.d, if any, is kept aside under a second name (so that after a run killed before its
 * undo, the next run still finds and restores it) and put back on release. Every write goes through the
 * guest writer.
 */
import { readlink } from 'node:fs/promises';
import { bindChrootMounts, type Chroot } from '../disk/chroot.js';
import type { DiskContextInput } from '../disk/context.js';
import { readRegularNoFollow } from '../fs/nofollow.js';
import type { CleanupHandle, CleanupStack } from '../runtime/cleanup.js';
import { OsError } from '../runtime/errors.js';
import { resolveInGuest, targetRoot } from './guest-path.js';
import type { GuestFile, GuestSymlink } from './types.js';
import { writeGuestFiles } from './writer.js';

const POLICY_RC_D = '#!/bin/sh\n# installed by ganeti-os while the guest is being set up\nexit 101\n';
const POLICY_PATH = '/usr/sbin/policy-rc.d';
const SAVED_PATH = `${POLICY_PATH}.ganeti-os-saved`;

type Kept = GuestFile | GuestSymlink;

/** What is at `guestPath` (a final symlink is kept as a symlink), as the entry that recreates it. */
async function keptAt(root: string, guestPath: string): Promise<Kept | undefined> {
  const r = await resolveInGuest(root, guestPath);
  if (!r.stat) return undefined;
  if (r.stat.isSymbolicLink())
    return { kind: 'symlink', path: guestPath, target: await readlink(r.hostPath) };
  const file = r.stat.isFile() ? readRegularNoFollow(r.hostPath) : undefined;
  if (!file) throw new OsError('E_GUEST_PATH', `${guestPath} in the guest is neither a file nor a symlink`);
  const owner = { uid: r.stat.uid, gid: r.stat.gid };
  return { kind: 'file', path: guestPath, content: file.content, mode: r.stat.mode & 0o7777, owner };
}

/** Install policy-rc.d (keeping a guest's own one aside) and register putting things back. */
async function installPolicyRcD(target: string, stack: CleanupStack): Promise<CleanupHandle> {
  const root = await targetRoot(target);
  // A run killed before its undo left its own policy-rc.d in place (and the guest's aside).
  const current = await keptAt(root, POLICY_PATH);
  const ours = current?.kind === 'file' && Buffer.from(current.content).toString() === POLICY_RC_D;
  const own = (await keptAt(root, SAVED_PATH)) ?? (ours ? undefined : current);
  await writeGuestFiles(target, [
    ...(own ? [{ ...own, path: SAVED_PATH }] : []),
    { kind: 'file', path: POLICY_PATH, content: POLICY_RC_D, mode: 0o755 },
  ]);
  return stack.push(`restore ${POLICY_PATH} in ${target}`, async () => {
    await writeGuestFiles(
      target,
      own
        ? [
            { ...own, path: POLICY_PATH },
            { kind: 'remove', path: SAVED_PATH },
          ]
        : [{ kind: 'remove', path: POLICY_PATH }],
    );
  });
}

export interface EnterChrootOptions extends DiskContextInput {
  target: string;
  /** More environment for guest commands (a guest family's own, e.g. DEBIAN_FRONTEND). */
  env?: Readonly<Record<string, string>>;
  /** Keep services from starting with a policy-rc.d while the chroot is up (default true). */
  policyRcD?: boolean;
}

/**
 * Bind the API filesystems into `target` and install policy-rc.d; every step is registered on the
 * stack. `release()` undoes them now (after stopping processes left in the guest).
 */
export async function enterChroot(o: EnterChrootOptions): Promise<Chroot> {
  const mounts = await bindChrootMounts(o);
  const policy = (o.policyRcD ?? true) ? await installPolicyRcD(o.target, o.stack) : undefined;
  return {
    target: o.target,
    run: (argv, opts = {}) => mounts.run(argv, { ...opts, env: { ...o.env, ...opts.env } }),
    release: async () => {
      await policy?.release();
      await mounts.release();
    },
  };
}
