/**
 * Stopping processes left running inside a guest tree (a hook that started a daemon in the
 * chroot), so the target can be unmounted: every process whose root (/proc/PID/root) is the target
 * or below it gets SIGTERM, then SIGKILL after a grace period.
 */
import { readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../runtime/logger.js';

async function rootedPids(target: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let root: string;
    try {
      root = await readlink(`/proc/${name}/root`);
    } catch {
      continue; // gone, or a kernel thread
    }
    if (root === target || root.startsWith(target + path.sep)) pids.push(pid);
  }
  return pids;
}

/** Kill processes whose root is inside `target`; returns the pids that were found. */
export async function killGuestProcesses(target: string, log?: Logger, graceMs = 2000): Promise<number[]> {
  const real = await realpath(target);
  if (real === '/') throw new Error('killGuestProcesses: refusing to act on /');
  const pids = await rootedPids(real);
  if (pids.length === 0) return [];
  log?.warn(`stopping ${pids.length} process(es) left running in ${target}: ${pids.join(' ')}`);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if ((await rootedPids(real)).length === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const pid of await rootedPids(real)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (let i = 0; i < 40 && (await rootedPids(real)).length > 0; i++)
    await new Promise((r) => setTimeout(r, 50));
  return pids;
}
