/**
 * Chroot plumbing for running guest commands: fresh proc and sysfs, /dev and /dev/pts bound from the
 * host (/dev read-only), and a policy-rc.d that stops daemons from starting. Everything is undone in
 * reverse, after stopping processes left running in the guest. Mount points in the guest are refused
 * when they are symlinks.
 */
import { lstatSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunOptions, RunResult, Runner } from '../process/runner.js';
import type { CleanupHandle } from '../runtime/cleanup.js';
import { diskContext, type DiskContext, type DiskContextInput } from './context.js';
import { ensureDirectory, mountAndRegister } from './mount.js';
import { killGuestProcesses } from './processes.js';

export const POLICY_RC_D = '#!/bin/sh\n# installed by ganeti-os while the guest is being set up\nexit 101\n';
const SAVED_SUFFIX = '.ganeti-os-saved';

/** The environment guest commands get (the host's environment does not leak in). */
export const CHROOT_ENV: Record<string, string> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LC_ALL: 'C',
  LANG: 'C',
  HOME: '/root',
  DEBIAN_FRONTEND: 'noninteractive',
  DEBCONF_NONINTERACTIVE_SEEN: 'true',
};

export function runInChroot(target: string, argv: readonly string[], runner: Runner, opts: RunOptions = {}): Promise<RunResult> {
  return runner.run('chroot', [target, ...argv], { ...opts, cleanEnv: true, env: { ...CHROOT_ENV, ...opts.env } });
}

export interface Chroot {
  target: string;
  run(argv: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Undo the mounts and policy-rc.d now (they are undone on unwind anyway). */
  release(): Promise<void>;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Install policy-rc.d (moving a guest's own one aside) and register its removal. */
function installPolicyRcD(ctx: DiskContext, target: string): CleanupHandle {
  ensureDirectory(join(target, 'usr'));
  ensureDirectory(join(target, 'usr/sbin'));
  const file = join(target, 'usr/sbin/policy-rc.d');
  const saved = file + SAVED_SUFFIX;
  const hadOwn = exists(file) && !exists(saved);
  if (hadOwn) renameSync(file, saved);
  else rmSync(file, { force: true });
  writeFileSync(file, POLICY_RC_D, { mode: 0o755, flag: 'wx' });
  return ctx.stack.push(`remove ${file}`, () => {
    rmSync(file, { force: true });
    if (hadOwn) renameSync(saved, file);
  });
}

/**
 * Bind the API filesystems into `target` and install policy-rc.d; every step is registered on the
 * stack. `release()` undoes them now (after stopping processes left in the guest).
 */
export async function enterChroot(input: DiskContextInput & { target: string }, ctxIn?: DiskContext): Promise<Chroot> {
  const ctx = ctxIn ?? diskContext(input);
  const { target } = input;
  const handles: CleanupHandle[] = [];
  handles.push(await mountAndRegister(ctx, { source: 'proc', dir: join(target, 'proc'), fstype: 'proc', options: ['nosuid', 'nodev', 'noexec'] }));
  handles.push(
    await mountAndRegister(ctx, { source: 'sysfs', dir: join(target, 'sys'), fstype: 'sysfs', options: ['ro', 'nosuid', 'nodev', 'noexec'] }),
  );
  handles.push(await mountAndRegister(ctx, { source: '/dev', dir: join(target, 'dev'), bind: true }));
  await ctx.runner.run('mount', ['-o', 'remount,bind,ro,nosuid', join(target, 'dev')], { code: 'E_DISK_MOUNT' });
  handles.push(await mountAndRegister(ctx, { source: '/dev/pts', dir: join(target, 'dev/pts'), bind: true }));
  handles.push(installPolicyRcD(ctx, target));
  handles.push(ctx.stack.push(`stop processes in ${target}`, async () => {
    await killGuestProcesses(target, ctx.log);
  }));
  return {
    target,
    run: (argv, opts) => runInChroot(target, argv, ctx.runner, opts),
    release: async () => {
      for (const h of handles.reverse()) await h.release();
    },
  };
}
