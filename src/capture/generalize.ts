/**
 * Generalizing a mounted, writable copy of a guest (never the captured disk itself): the facts are
 * read with paths resolved inside the guest (a guest symlink never leads to the host, and the walk
 * of /var/log never follows one), and the changes are written by the guest writer.
 */
import { lstat, readdir } from 'node:fs/promises';
import { resolveInGuest, targetRoot, writeGuestFiles } from '../guest/index.js';
import type { Logger } from '../runtime/logger.js';
import { planGeneralize, type FileFacts, type GeneralizeFacts } from './generalize-plan.js';

const MAX_DEPTH = 16;
const MAX_LOGS = 100_000;

async function regularFacts(hostPath: string, guestPath: string): Promise<FileFacts | undefined> {
  const st = await lstat(hostPath).catch(() => undefined);
  if (!st?.isFile()) return undefined;
  return { path: guestPath, mode: st.mode, uid: st.uid, gid: st.gid, size: st.size };
}

/** Regular files below a real directory (symlinks and other types skipped, never followed). */
async function walkFiles(hostDir: string, guestDir: string, depth: number, out: FileFacts[]): Promise<void> {
  if (depth > MAX_DEPTH || out.length >= MAX_LOGS) return;
  for (const e of await readdir(hostDir, { withFileTypes: true })) {
    const host = `${hostDir}/${e.name}`;
    const guest = `${guestDir}/${e.name}`;
    if (e.isDirectory()) await walkFiles(host, guest, depth + 1, out);
    else if (e.isFile()) {
      const f = await regularFacts(host, guest);
      if (f) out.push(f);
    }
  }
}

export async function readGeneralizeFacts(target: string): Promise<GeneralizeFacts> {
  const root = await targetRoot(target);
  const machineId = await resolveInGuest(root, '/etc/machine-id');
  const ssh = await resolveInGuest(root, '/etc/ssh', { followFinal: true });
  const logDir = await resolveInGuest(root, '/var/log', { followFinal: true });
  const logs: FileFacts[] = [];
  if (logDir.stat?.isDirectory()) await walkFiles(logDir.hostPath, logDir.guestPath, 0, logs);
  return {
    // A symlink there is replaced by an empty file (the writer never writes through it).
    machineId: machineId.stat?.isSymbolicLink()
      ? { path: '/etc/machine-id', mode: 0o444, uid: 0, gid: 0, size: 1 }
      : await regularFacts(machineId.hostPath, machineId.guestPath),
    sshNames: ssh.stat?.isDirectory() ? await readdir(ssh.hostPath) : [],
    logs,
  };
}

/** Reset the per-clone identity of the guest mounted (writable) at `target`. */
export async function generalizeGuest(target: string, log: Logger): Promise<string[]> {
  const entries = planGeneralize(await readGeneralizeFacts(target));
  const reports = await writeGuestFiles(target, entries);
  const changed = reports.filter((r) => r.action !== 'absent' && r.action !== 'unchanged').map((r) => r.path);
  log.info(`generalized the image: ${changed.length} file(s) reset or removed`);
  log.debug(`generalized: ${changed.join(', ')}`);
  return changed;
}
