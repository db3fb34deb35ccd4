/**
 * Chroot plumbing for running guest commands: fresh proc and sysfs, /dev and /dev/pts bound from the
 * host (/dev read-only). Everything is undone in reverse, after stopping processes left running in
 * the guest. Mount points in the guest are refused when they are symlinks. What is written into the
 * guest for the duration (policy-rc.d) is src/guest/chroot.ts's, on top of this.
 */
import { join } from 'node:path';
import type { RunOptions, RunResult, Runner } from '../process/types.js';
import type { CleanupHandle } from '../runtime/cleanup.js';
import { diskContext, type DiskContext, type DiskContextInput } from './context.js';
import { mountAndRegister } from './mount.js';
import { killGuestProcesses } from './processes.js';

/** The environment guest commands get (the host's environment does not leak in); a guest family adds its own. */
export const CHROOT_ENV: Record<string, string> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LC_ALL: 'C',
  LANG: 'C',
  HOME: '/root',
};

export function runInChroot(
  target: string,
  argv: readonly string[],
  runner: Runner,
  opts: RunOptions = {},
): Promise<RunResult> {
  return runner.run('chroot', [target, ...argv], {
    ...opts,
    cleanEnv: true,
    env: { ...CHROOT_ENV, ...opts.env },
  });
}

export interface Chroot {
  target: string;
  run(argv: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Undo it all now (it is undone on unwind anyway). */
  release(): Promise<void>;
}

/**
 * Bind the API filesystems into `target`; every step is registered on the stack. `release()` undoes
 * them now (after stopping processes left in the guest).
 */
export async function bindChrootMounts(
  input: DiskContextInput & { target: string },
  ctxIn?: DiskContext,
): Promise<Chroot> {
  const ctx = ctxIn ?? diskContext(input);
  const { target } = input;
  const handles: CleanupHandle[] = [];
  handles.push(
    await mountAndRegister(ctx, {
      source: 'proc',
      dir: join(target, 'proc'),
      fstype: 'proc',
      options: ['nosuid', 'nodev', 'noexec'],
    }),
  );
  handles.push(
    await mountAndRegister(ctx, {
      source: 'sysfs',
      dir: join(target, 'sys'),
      fstype: 'sysfs',
      options: ['ro', 'nosuid', 'nodev', 'noexec'],
    }),
  );
  handles.push(await mountAndRegister(ctx, { source: '/dev', dir: join(target, 'dev'), bind: true }));
  await ctx.runner.run('mount', ['-o', 'remount,bind,ro,nosuid', join(target, 'dev')], {
    code: 'E_DISK_MOUNT',
  });
  handles.push(await mountAndRegister(ctx, { source: '/dev/pts', dir: join(target, 'dev/pts'), bind: true }));
  handles.push(
    ctx.stack.push(`stop processes in ${target}`, async () => {
      await killGuestProcesses(target, ctx.log);
    }),
  );
  return {
    target,
    run: (argv, opts) => runInChroot(target, argv, ctx.runner, opts),
    release: async () => {
      for (const h of handles.reverse()) await h.release();
    },
  };
}
