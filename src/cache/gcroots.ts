/**
 * GC roots a provider keeps on the node (guix: `guix system build --root` pins each instance's
 * system in the store, so a reinstall needs no rebuild and `guix gc` keeps it). Ganeti runs no OS
 * script when an instance is removed, so the roots are cache entries: each has a record
 * `<cacheDir>/gcroots/<instance>.json` naming the root symlink, the system it pins and the
 * instance's disk 0; `ganeti-os cache list` shows them, `prune` removes those whose disk is gone
 * (the instance was removed) or that are older than the limit, `clear` removes them all. Removing
 * one unlinks the root symlink (never anything else: a path that is not a symlink stays) and the record.
 */
import { lstat, mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';

/** Below a provider's cache directory. */
export const GC_ROOTS_DIR = 'gcroots';

export interface GcRootRecord {
  instance: string;
  /** The root symlink (`<gc-root-dir>/<instance>`). */
  root: string;
  /** What it pins (`/gnu/store/...-system`). */
  system: string;
  /** The instance's disk 0 when it was installed; gone = the instance was removed. */
  disk: string;
  createdAt: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The record file of an instance's root; the name must be a plain file name. */
export function gcRootRecordPath(cacheDir: string, instance: string): string {
  if (!NAME.test(instance) || instance.includes('..')) {
    throw new OsError('E_CACHE_DIR', `instance name ${JSON.stringify(instance)} cannot name a GC root`, {
      hint: 'Ganeti instance names are host names: letters, digits, dots and hyphens',
    });
  }
  return join(cacheDir, GC_ROOTS_DIR, `${instance}.json`);
}

export async function writeGcRootRecord(cacheDir: string, rec: GcRootRecord): Promise<void> {
  const path = gcRootRecordPath(cacheDir, rec.instance);
  await mkdir(join(cacheDir, GC_ROOTS_DIR), { recursive: true, mode: 0o755 });
  await writeFileAtomic(path, `${JSON.stringify(rec, null, 2)}\n`, { mode: 0o644 });
}

function parseRecord(text: string): GcRootRecord | undefined {
  try {
    const r = JSON.parse(text) as Partial<GcRootRecord>;
    const ok = ['instance', 'root', 'system', 'disk', 'createdAt'].every(
      (k) => typeof r[k as keyof GcRootRecord] === 'string',
    );
    return ok && r.root!.startsWith('/') ? (r as GcRootRecord) : undefined;
  } catch {
    return undefined;
  }
}

export type GcRootStatus = 'ok' | 'expired' | 'instance-gone' | 'root-missing' | 'damaged';

export interface GcRootEntry {
  /** The instance name (the record file's stem). */
  name: string;
  record: GcRootRecord | undefined;
  recordPath: string;
  status: GcRootStatus;
  ageDays: number | null;
}

const DAY = 86_400_000;

/** The GC roots recorded in `cacheDir`, judged against `maxAgeDays` ('never': by age never). */
export async function listGcRoots(
  cacheDir: string,
  maxAgeDays: number | 'never' = 'never',
  now = Date.now(),
): Promise<GcRootEntry[]> {
  const dir = join(cacheDir, GC_ROOTS_DIR);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: GcRootEntry[] = [];
  for (const file of names) {
    const recordPath = join(dir, file);
    const record = parseRecord(await readFile(recordPath, 'utf8').catch(() => ''));
    const created = record ? Date.parse(record.createdAt) : NaN;
    const ageDays = Number.isNaN(created) ? null : Math.round(((now - created) / DAY) * 10) / 10;
    let status: GcRootStatus = 'ok';
    if (!record || ageDays === null) status = 'damaged';
    else if (!(await isSymlink(record.root))) status = 'root-missing';
    else if (!existsSync(record.disk)) status = 'instance-gone';
    else if (maxAgeDays !== 'never' && ageDays > maxAgeDays) status = 'expired';
    out.push({ name: file.slice(0, -'.json'.length), record, recordPath, status, ageDays });
  }
  return out;
}

async function isSymlink(path: string): Promise<boolean> {
  return lstat(path).then(
    (st) => st.isSymbolicLink(),
    () => false,
  );
}

/** Unlink the root (only a symlink) and its record. */
export async function removeGcRoot(e: Pick<GcRootEntry, 'record' | 'recordPath'>): Promise<void> {
  if (e.record && (await isSymlink(e.record.root))) await unlink(e.record.root);
  await unlink(e.recordPath).catch(() => undefined);
}

export interface GcRootPruneResult {
  removed: { name: string; reason: GcRootStatus | 'cleared'; bytes: number }[];
  kept: string[];
}

/** Remove the roots of removed instances, damaged or dangling records and (by age) expired roots; `all`: every one. */
export async function pruneGcRoots(
  cacheDir: string,
  log: Logger,
  olderThanDays: number | 'never' | 'all',
  now = Date.now(),
): Promise<GcRootPruneResult> {
  const result: GcRootPruneResult = { removed: [], kept: [] };
  const entries = await listGcRoots(cacheDir, olderThanDays === 'all' ? 'never' : olderThanDays, now);
  for (const e of entries) {
    if (olderThanDays !== 'all' && e.status === 'ok') {
      result.kept.push(e.name);
      continue;
    }
    await removeGcRoot(e);
    const reason = olderThanDays === 'all' ? 'cleared' : e.status;
    log.info(`cache: removed the GC root of ${e.name} (${reason})`);
    result.removed.push({ name: `gcroot ${e.name}`, reason, bytes: 0 });
  }
  return result;
}
