/**
 * A disk session: the runtime dir and journal for one disk, opened after recovering leftovers of
 * earlier runs, and removed (rmdir only) when the cleanup stack unwinds.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Runner } from '../process/types.js';
import { readMounts } from './mountinfo.js';
import { diskContext, type DiskContext, type DiskContextInput } from './context.js';
import { Journal, runtimeDirFor, RUNTIME_ROOT } from './journal.js';
import { removeMountPoint } from './mount.js';
import { recoverDisk } from './recover.js';

export interface Session {
  ctx: DiskContext;
  dir: string;
  /** Where the guest root is mounted. */
  rootDir: string;
}

/**
 * Make the runtime root a private mount point (a bind mount of itself, left in place like
 * /run/netns), so guest mounts below it never propagate into other mount namespaces, where a copy
 * would keep the partition busy after we unmount it.
 */
async function ensurePrivateRuntimeRoot(runner: Runner, root = RUNTIME_ROOT): Promise<void> {
  mkdirSync(root, { recursive: true, mode: 0o755 });
  const m = readMounts()
    .filter((x) => x.mountPoint === root)
    .pop();
  if (!m) await runner.run('mount', ['--bind', root, root], { code: 'E_DISK_MOUNT' });
  else if (!/shared:|master:/.test(m.optional)) return;
  await runner.run('mount', ['--make-private', root], { code: 'E_DISK_MOUNT' });
}

export async function openSession(
  input: DiskContextInput,
  realDiskPath: string,
  runtimeRoot = RUNTIME_ROOT,
): Promise<Session> {
  await ensurePrivateRuntimeRoot(input.runner, runtimeRoot);
  await recoverDisk(realDiskPath, {
    runner: input.cleanupRunner ?? input.runner,
    log: input.log,
    runtimeRoot,
  });
  const dir = runtimeDirFor(realDiskPath, runtimeRoot);
  const journal = new Journal(dir, realDiskPath);
  journal.open();
  const ctx = diskContext(input, journal);
  const rootDir = join(dir, 'root');
  input.stack.push(`remove ${dir}`, () => {
    removeMountPoint(rootDir);
    journal.close();
    removeMountPoint(dir);
  });
  return { ctx, dir, rootDir };
}
