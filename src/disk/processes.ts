/**
 * Processes left running inside a guest (a hook that started a daemon): find them by their root
 * directory (/proc/PID/root) and stop them, TERM first, KILL after a grace period, before unmounting.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import type { Logger } from '../runtime/logger.js';
import { sleep } from './context.js';

/** PIDs whose root directory is `dir` or below it. */
export function processesRootedIn(dir: string): number[] {
  const base = dir.replace(/\/+$/, '');
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    try {
      const root = readlinkSync(`/proc/${e}/root`);
      if (root === base || root.startsWith(base + '/')) out.push(pid);
    } catch {
      // gone, or a kernel thread
    }
  }
  return out;
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/** TERM, wait up to `graceMs`, then KILL whatever is left. Returns the PIDs found. */
export async function killGuestProcesses(target: string, log?: Logger, graceMs = 2000): Promise<number[]> {
  const found = processesRootedIn(target);
  if (found.length === 0) return [];
  log?.warn(`stopping ${found.length} process(es) left running in ${target}: ${found.join(' ')}`);
  signal(found, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && processesRootedIn(target).length > 0) await sleep(100);
  const left = processesRootedIn(target);
  if (left.length > 0) {
    signal(left, 'SIGKILL');
    const end = Date.now() + 2000;
    while (Date.now() < end && processesRootedIn(target).length > 0) await sleep(50);
  }
  return found;
}
