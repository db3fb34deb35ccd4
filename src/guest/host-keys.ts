/**
 * Reinstall keeps the guest's ssh host keys, so clients that trusted the instance still do; every
 * other piece of identity (machine-id) is new. The old disk is opened read-only and closed before
 * it is repartitioned; a disk that cannot be read (blank, damaged) simply yields no keys.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDisk } from '../disk/index.js';
import { resolveInGuest, targetRoot, writeGuestFiles } from './index.js';
import { readRegularNoFollow } from '../fs/nofollow.js';
import type { Runner } from '../process/types.js';
import { CleanupStack } from '../runtime/cleanup.js';
import { isOsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';

export interface SavedKey {
  name: string;
  content: Buffer;
  mode: number;
}

export async function readOldHostKeys(o: {
  path: string;
  backendType?: string;
  runner: Runner;
  cleanupRunner: Runner;
  log: Logger;
  stack: CleanupStack;
}): Promise<SavedKey[]> {
  const sub = new CleanupStack(o.log);
  const h = o.stack.push('close the previous installation', async () => {
    await sub.unwind();
  });
  try {
    const old = await openDisk({
      path: o.path,
      ...(o.backendType ? { backendType: o.backendType } : {}),
      readOnly: true,
      runner: o.runner,
      cleanupRunner: o.cleanupRunner,
      log: o.log,
      stack: sub,
    });
    // The old guest is untrusted: /etc or /etc/ssh may be a symlink (to the node's /etc/ssh, say).
    // Resolve it inside the guest; the result is made of real directories below the target.
    const ssh = await resolveInGuest(await targetRoot(old.target), '/etc/ssh', { followFinal: true });
    const dir = ssh.hostPath;
    const keys: SavedKey[] = [];
    let names: string[] = [];
    try {
      if (ssh.stat?.isDirectory())
        names = readdirSync(dir).filter((n) => /^ssh_host_[a-z0-9]+_key(\.pub)?$/.test(n));
    } catch {
      // no /etc/ssh
    }
    for (const name of names) {
      const f = readRegularNoFollow(join(dir, name), 64 * 1024);
      if (f) keys.push({ name, ...f });
    }
    o.log.info(
      keys.length > 0
        ? `reinstall: keeping ${keys.length / 2} ssh host key pair(s)`
        : 'reinstall: no ssh host keys to keep',
    );
    return keys;
  } catch (e) {
    o.log.info(
      `reinstall: previous installation not readable (${isOsError(e) ? e.message : String(e)}); new ssh host keys`,
    );
    return [];
  } finally {
    await h.release();
  }
}

export async function restoreHostKeys(target: string, keys: readonly SavedKey[], log: Logger): Promise<void> {
  await writeGuestFiles(
    target,
    keys.map((k) => ({
      kind: 'file' as const,
      path: `/etc/ssh/${k.name}`,
      content: k.content,
      mode: k.name.endsWith('.pub') ? 0o644 : 0o600,
    })),
  );
  log.debug(`restored ${keys.length} ssh host key files`);
}
