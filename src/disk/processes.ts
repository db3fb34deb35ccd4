/**
 * Processes left running inside a guest (a hook that started a daemon): find them by their root
 * directory (/proc/PID/root) and stop them, TERM first, KILL after a grace period, before unmounting.
 *
 * The target is resolved to its real path and must be a directory other than `/`: every process on
 * the host has `/` as its root, so a wrong target must fail loudly instead of killing the host. Only
 * processes whose root is the target or below it are ever signalled.
 */
import { readdir, readlink, realpath, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';

async function guestRoot(target: string): Promise<string> {
  const real = await realpath(target);
  if (real === '/')
    throw new OsError('E_INTERNAL', `refusing to stop the processes rooted in ${target}: it is /`);
  if (!(await stat(real)).isDirectory())
    throw new OsError('E_INTERNAL', `refusing to stop the processes rooted in ${target}: not a directory`);
  return real;
}

async function rootedPids(root: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      const r = await readlink(`/proc/${name}/root`);
      if (r === root || r.startsWith(root + '/')) pids.push(pid);
    } catch {
      // gone, or a kernel thread
    }
  }
  return pids;
}

/** PIDs whose root directory is `target` or below it. */
export async function processesRootedIn(target: string): Promise<number[]> {
  return rootedPids(await guestRoot(target));
}

function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

async function waitGone(root: string, ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = await rootedPids(root);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(50);
    left = await rootedPids(root);
  }
  return left;
}

/** TERM, wait up to `graceMs`, then KILL whatever is left. Returns the PIDs found. */
export async function killGuestProcesses(target: string, log?: Logger, graceMs = 2000): Promise<number[]> {
  const root = await guestRoot(target);
  const found = await rootedPids(root);
  if (found.length === 0) return [];
  log?.warn(`stopping ${found.length} process(es) left running in ${target}: ${found.join(' ')}`);
  signal(found, 'SIGTERM');
  const left = await waitGone(root, graceMs);
  if (left.length > 0) {
    signal(left, 'SIGKILL');
    await waitGone(root, 2000);
  }
  return found;
}
