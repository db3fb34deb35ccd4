/**
 * Shared helpers for disk tests (root only): sparse disk files in a private temp dir, a listing of
 * everything a disk run could leave behind (loop devices backed by the file, their partition nodes,
 * mounts under the disk's runtime dir, the runtime dir itself), and the cached minimal Debian rootfs
 * used by the boot tests.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimeDirFor } from '../../src/disk/journal.js';
import { mountsBelow, readMounts } from '../../src/disk/mountinfo.js';

export const isRoot = process.getuid?.() === 0;

export interface DiskFile {
  path: string;
  dir: string;
  /** Orphaned loop partitions that existed before the test (someone else's). */
  baseline: Set<string>;
  /** Remove the temp dir (refuses when something is mounted below it). */
  remove(): void;
}

export function makeDiskFile(sizeBytes: number, name = 'disk.img'): DiskFile {
  const dir = mkdtempSync(join(tmpdir(), 'ganeti-os-disk-test-'));
  const path = join(dir, name);
  writeFileSync(path, '');
  truncateSync(path, sizeBytes);
  return {
    path,
    dir,
    baseline: new Set(orphanPartitions()),
    remove() {
      if (mountsBelow(dir).length > 0) throw new Error(`not removing ${dir}: mounts below it`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function loopsOf(file: string): string[] {
  const out = execFileSync('losetup', ['-J', '-l', '-j', file], { encoding: 'utf8' });
  if (!out.trim()) return [];
  return ((JSON.parse(out) as { loopdevices: { name: string }[] }).loopdevices ?? []).map((l) => l.name);
}

/** Start and size (512-byte sectors) of each partition in the file's table. */
function partitionTable(file: string): { start: number; size: number }[] {
  const r = spawnSync('sfdisk', ['-J', file], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout.trim()) return [];
  return (
    (JSON.parse(r.stdout) as { partitiontable: { partitions?: { start: number; size: number }[] } })
      .partitiontable.partitions ?? []
  );
}

/**
 * Whether an orphaned loop partition looks like one of this disk's partitions (same start and size).
 * Other users of the machine leave orphans too; only ones that match our table are ours.
 */
function matchesTable(name: string, table: { start: number; size: number }[]): boolean {
  const read = (f: string): number => Number(readFileSync(`/sys/class/block/${name}/${f}`, 'utf8').trim());
  try {
    const start = read('start');
    const size = read('size');
    return table.some((p) => p.start === start && p.size === size);
  } catch {
    return false;
  }
}

/** Partition nodes of loop devices that have no backing file any more. */
export function orphanPartitions(): string[] {
  return readdirSync('/sys/class/block')
    .filter((e) => /^loop\d+p\d+$/.test(e))
    .filter((e) => !existsSync(`/sys/class/block/${e.replace(/p\d+$/, '')}/loop/backing_file`))
    .map((e) => `/dev/${e}`);
}

/**
 * Everything left behind by runs on `file`; empty when clean. Orphaned loop partitions count unless
 * they are in `baseline` (present before the test, from another user of the machine).
 */
export function listLeftovers(
  file: string | DiskFile,
  baseline: Set<string> = typeof file === 'string' ? new Set() : file.baseline,
): string[] {
  if (typeof file !== 'string') file = file.path;
  const real = realpathSync(file);
  const found: string[] = [];
  const loops = loopsOf(real);
  const table = partitionTable(real);
  for (const l of loops) {
    found.push(`loop device ${l} backed by ${real}`);
    for (const c of loopsOf(l)) found.push(`loop device ${c} backed by ${l}`);
  }
  // Partition nodes of loops backed by the file, and orphaned loop partitions of detached loops.
  for (const e of readdirSync('/sys/class/block')) {
    const m = /^(loop\d+)p\d+$/.exec(e);
    if (!m) continue;
    const parent = `/dev/${m[1]}`;
    const orphan = !existsSync(`/sys/class/block/${m[1]}/loop/backing_file`);
    if (loops.includes(parent) || (orphan && !baseline.has(`/dev/${e}`) && matchesTable(e, table)))
      found.push(`partition node /dev/${e}`);
  }
  const dir = runtimeDirFor(real);
  for (const mp of mountsBelow(dir)) found.push(`mount ${mp}`);
  for (const m of readMounts()) if (m.source === real) found.push(`mount of ${real} on ${m.mountPoint}`);
  if (existsSync(dir)) found.push(`runtime dir ${dir} (${readdirSync(dir).join(', ') || 'empty'})`);
  return found;
}

export function assertNoLeftovers(file: string | DiskFile): void {
  const left = listLeftovers(file);
  if (left.length > 0) throw new Error(`leftovers after a disk run:\n  ${left.join('\n  ')}`);
}

/** sha256 of the first MiB of a file. */
export function hashHead(path: string, bytes = 1024 * 1024): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return createHash('sha256').update(buf.subarray(0, n)).digest('hex');
  } finally {
    closeSync(fd);
  }
}

export const ROOTFS_CACHE = '/var/cache/ganeti-os/test-rootfs-bookworm.tar';

/**
 * A minimal bootable bookworm root as a tar, built once with debootstrap (about 1-2 minutes) and
 * cached at ROOTFS_CACHE (temp file + rename, so a killed build leaves no half tar).
 */
export function ensureTestRootfs(): string {
  if (existsSync(ROOTFS_CACHE) && statSync(ROOTFS_CACHE).size > 0) return ROOTFS_CACHE;
  mkdirSync('/var/cache/ganeti-os', { recursive: true });
  const dir = mkdtempSync('/var/tmp/ganeti-os-rootfs-');
  try {
    const args = [
      '--variant=minbase',
      '--include=linux-image-amd64,systemd-sysv,udev',
      'bookworm',
      dir,
      'http://deb.debian.org/debian',
    ];
    const r = spawnSync('debootstrap', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`debootstrap failed (${r.status})`);
    const tmp = `${ROOTFS_CACHE}.tmp-${process.pid}`;
    execFileSync('tar', ['--numeric-owner', '--xattrs', '--xattrs-include=*', '-C', dir, '-cf', tmp, '.']);
    renameSync(tmp, ROOTFS_CACHE);
  } finally {
    if (mountsBelow(dir).length === 0) rmSync(dir, { recursive: true, force: true });
  }
  return ROOTFS_CACHE;
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

/** The end of every disk test: unwind its stack, fail on anything left behind, remove the file. */
export async function finishDisk(
  stack: { unwind(): Promise<unknown> } | undefined,
  disk: DiskFile | undefined,
): Promise<void> {
  await stack?.unwind();
  if (!disk) return;
  try {
    assertNoLeftovers(disk);
  } finally {
    disk.remove();
  }
}
