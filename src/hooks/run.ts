/**
 * Running the hooks of one phase: each hook in order, from its own directory, with the hook
 * environment, a timeout (its whole process group is killed), its output in the log prefixed with
 * its name. The first failing hook stops the phase with E_HOOK_FAILED (E_HOOK_TIMEOUT when killed
 * at the timeout) after logging its last lines. Afterwards no process of the hooks is left: the
 * hook's group is killed, and so is anything still running with its root inside the target.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OsError } from '../runtime/errors.js';
import type { CleanupStack } from '../runtime/cleanup.js';
import type { Logger } from '../runtime/logger.js';
import { COMMON_SH } from './compat.js';
import type { Hook, HookPlan, Phase } from './discover.js';
import { hookOwnEnv } from './env.js';
import { execHook } from './exec.js';
import { killGuestProcesses } from '../disk/processes.js';

export const DEFAULT_HOOK_TIMEOUT_SEC = 600;

export interface RunHooksOptions {
  /** From buildHookEnv() for this phase. */
  env: Record<string, string>;
  /** The mounted guest root (processes left inside it are stopped). */
  target: string;
  log: Logger;
  /** The compat directory is registered here while the hooks run. */
  stack?: CleanupStack;
  /** Per hook; default 600 s. */
  timeoutSec?: number;
  signal?: AbortSignal;
  /** Parent of the private compat directory; default the system temp dir. */
  tmpDir?: string;
  /** Between SIGTERM and SIGKILL; default 2000 ms. */
  killGraceMs?: number;
}

export interface HookRun {
  hook: Hook;
  durationMs: number;
}

function why(r: Awaited<ReturnType<typeof execHook>>, timeoutSec: number): string {
  if (r.spawnError)
    return `could not start (${r.spawnError}${r.spawnError === 'ENOEXEC' ? ': no #! line?' : ''})`;
  if (r.timedOut) return `timed out after ${timeoutSec} s and was killed`;
  if (r.aborted) return 'aborted';
  if (r.signal) return `killed by ${r.signal}`;
  return `exit ${r.exitCode ?? '?'}`;
}

/** Run the hooks of `phase`; resolves with what ran, throws OsError on the first failure. */
export async function runHooks(plan: HookPlan, phase: Phase, opts: RunHooksOptions): Promise<HookRun[]> {
  const hooks = plan.phases[phase];
  if (hooks.length === 0) return [];
  const timeoutSec = opts.timeoutSec ?? DEFAULT_HOOK_TIMEOUT_SEC;
  const ran: HookRun[] = [];

  const compatDir = await mkdtemp(path.join(opts.tmpDir ?? tmpdir(), 'ganeti-os-hooks-'));
  const removeCompat = () => rm(compatDir, { recursive: true, force: true });
  const handle = opts.stack?.push(`remove ${compatDir}`, removeCompat);
  try {
    await writeFile(path.join(compatDir, 'common.sh'), COMMON_SH, { mode: 0o644 });
    opts.log.info(`running ${hooks.length} ${phase} hook(s)`);
    for (const hook of hooks) {
      const hlog = opts.log.child(`[${hook.name}] `);
      const env = {
        ...opts.env,
        ...hookOwnEnv(hook.dir, hook.path),
        PATH: `${compatDir}:${opts.env['PATH'] ?? ''}`,
      };
      const started = Date.now();
      hlog.debug(`start ${hook.path} (${hook.source}, ${phase})`);
      const r = await execHook(hook.path, {
        cwd: hook.dir,
        env,
        timeoutMs: timeoutSec * 1000,
        signal: opts.signal,
        killGraceMs: opts.killGraceMs,
        onLine: (line) => hlog.info(line),
      });
      if (r.leftovers) hlog.warn('left processes running after it exited; they were killed');
      const ok = r.exitCode === 0 && !r.timedOut && !r.aborted && !r.spawnError;
      if (!ok) {
        const reason = why(r, timeoutSec);
        const last = r.tail.slice(-10);
        if (last.length > 0) {
          hlog.error(`failed (${reason}); last lines:`);
          for (const l of last) hlog.error(`  ${l}`);
        }
        const lastLine = [...r.tail].reverse().find((l) => l.trim() !== '');
        throw new OsError(
          r.timedOut ? 'E_HOOK_TIMEOUT' : r.aborted ? 'E_INTERRUPTED' : 'E_HOOK_FAILED',
          `hook ${hook.path} (${phase}) failed: ${reason}${lastLine ? `: ${opts.log.mask(lastLine.trim())}` : ''}`,
          {
            hint: r.timedOut
              ? `make the hook finish sooner or raise hook-timeout (now ${timeoutSec} s)`
              : "see the hook's output above; fix the hook or remove it from the hooks directory",
          },
        );
      }
      ran.push({ hook, durationMs: Date.now() - started });
      hlog.debug(`done in ${Date.now() - started} ms`);
    }
    return ran;
  } finally {
    await killGuestProcesses(opts.target, opts.log, opts.killGraceMs).catch((e: unknown) =>
      opts.log.warn(`could not check for processes left in ${opts.target}: ${String(e)}`),
    );
    if (handle) await handle.release();
    else await removeCompat();
  }
}
