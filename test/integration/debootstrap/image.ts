/**
 * Reading a disk image back with the host's own tools (never with ganeti-os): sfdisk -J, blkid, and
 * a loop device (read-only unless asked) + partx + mount, always undone; plus file helpers.
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
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MiB = 1024 * 1024;
function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 512 * MiB,
  });
}

export interface SfdiskPartition {
  node: string;
  start: number;
  size: number;
  type: string;
  bootable?: boolean;
}
export interface SfdiskTable {
  label: 'dos' | 'gpt';
  partitions: SfdiskPartition[];
}

/** `sfdisk -J` of an image file; undefined when it has no partition table. */
export function sfdiskJson(image: string): SfdiskTable | undefined {
  const r = spawnSync('sfdisk', ['-J', image], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return (JSON.parse(r.stdout) as { partitiontable: SfdiskTable }).partitiontable;
}

export interface BlkidRow {
  device: string;
  TYPE?: string;
  UUID?: string;
  PARTUUID?: string;
  LABEL?: string;
}

/** blkid of a device (no cache). */
export function blkid(device: string): BlkidRow {
  const r = spawnSync('blkid', ['-c', '/dev/null', '-o', 'export', device], { encoding: 'utf8' });
  const row: BlkidRow = { device };
  for (const line of r.stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) (row as unknown as Record<string, string>)[line.slice(0, i)] = line.slice(i + 1);
  }
  return row;
}

/** partx -d, retried briefly; throws rather than leave partition nodes behind. */
function partxDelete(loop: string): void {
  let last = '';
  for (let i = 0; i < 20; i++) {
    const r = spawnSync('partx', ['-d', loop], { encoding: 'utf8' });
    if (r.status === 0) return;
    last = r.stderr.trim();
    spawnSync('sleep', ['0.25']);
  }
  throw new Error(`partx -d ${loop}: ${last} (is a mount of it held in another mount namespace?)`);
}

export interface ImageView {
  /** The guest root (the filesystem with /etc, or a data disk's only one), mounted read-only (with a separate /boot below it). */
  root: string;
  loop: string;
  /** blkid of the whole loop (style none) or of each partition node, in order. */
  filesystems: BlkidRow[];
  read(path: string): string;
  exists(path: string): boolean;
}

/**
 * Open an image read-only (or read-write, to prepare test data) with the host's tools, call `fn`,
 * and always undo (umount, partx -d, losetup -d, remove the mount dir).
 */
export async function withImage<T>(
  image: string,
  fn: (v: ImageView) => Promise<T> | T,
  o: { rw?: boolean } = {},
): Promise<T> {
  const mode = o.rw ? 'rw' : 'ro';
  const mnt = mkdtempSync(join(tmpdir(), 'gos-deb-view-'));
  const undo: (() => void)[] = [() => rmSync(mnt, { recursive: true, force: true })];
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    const loop = sh('losetup', [...(o.rw ? [] : ['-r']), '-f', '--show', image]).trim();
    undo.push(() => sh('losetup', ['-d', loop]));
    const table = sfdiskJson(image);
    let nodes: string[] = [loop];
    if (table) {
      // A detached loop can keep orphaned partition nodes (a holder in another mount namespace).
      spawnSync('partx', ['-d', loop]);
      sh('partx', ['-a', loop]);
      undo.push(() => partxDelete(loop));
      nodes = table.partitions.map((_, i) => `${loop}p${i + 1}`);
    }
    const filesystems = nodes.map(blkid);
    const mountable = filesystems.filter(
      (f) => f.TYPE && ['ext2', 'ext3', 'ext4', 'xfs', 'btrfs'].includes(f.TYPE),
    );
    // The root is the filesystem with /etc; a separate /boot is the one with vmlinuz* and no /etc.
    let rootDev: BlkidRow | undefined;
    let bootDev: BlkidRow | undefined;
    for (const f of mountable) {
      const probe = join(mnt, 'probe');
      mkdirSync(probe, { recursive: true });
      sh('mount', ['-o', 'ro', '-t', f.TYPE!, f.device, probe]);
      try {
        if (existsSync(join(probe, 'etc'))) rootDev = f;
        else if (readdirSync(probe).some((n) => n.startsWith('vmlinuz') || n === 'grub')) bootDev = f;
      } finally {
        sh('umount', [probe]);
      }
    }
    // A data disk: its only filesystem.
    if (!rootDev && mountable.length === 1) rootDev = mountable[0];
    if (!rootDev) throw new Error(`no guest root in ${image} (${JSON.stringify(filesystems)})`);
    const root = join(mnt, 'root');
    mkdirSync(root);
    sh('mount', ['-o', mode, '-t', rootDev.TYPE!, rootDev.device, root]);
    undo.push(() => sh('umount', [root]));
    if (bootDev) {
      sh('mount', ['-o', mode, '-t', bootDev.TYPE!, bootDev.device, join(root, 'boot')]);
      undo.push(() => sh('umount', [join(root, 'boot')]));
    }
    const view: ImageView = {
      root,
      loop,
      filesystems,
      read: (p) => readFileSync(join(root, p), 'utf8'),
      exists: (p) => existsSync(join(root, p)),
    };
    outcome = { ok: true, value: await fn(view) };
  } catch (e) {
    outcome = { ok: false, error: e };
  }
  const errors: unknown[] = [];
  for (const u of undo.reverse()) {
    try {
      u();
    } catch (e) {
      errors.push(e);
    }
  }
  if (!outcome.ok) throw outcome.error;
  if (errors.length > 0) throw errors[0] as Error;
  return outcome.value;
}

/** The first `n` bytes of a file. */
export function readHead(path: string, n: number, offset = 0): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, offset);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

export function fileSize(path: string): number {
  return Number(sh('stat', ['-c', '%s', path]).trim());
}

/** A listing of a guest tree: path type mode uid gid size links link-target, plus sha256 of regular files; sorted. */
export function treeManifest(root: string, exclude: RegExp): string[] {
  const list = sh('find', [root, '-xdev', '-printf', '%P\t%y\t%m\t%U\t%G\t%s\t%n\t%l\n'])
    .split('\n')
    .filter(Boolean);
  const out: string[] = [];
  for (const line of list) {
    const f = line.split('\t');
    const [rel, type] = f;
    if (rel === '' || exclude.test(`/${rel}`)) continue;
    // A directory's size depends on its history (ext4 directories never shrink), not its content.
    if (type === 'd') f[5] = '-';
    if (type === 'f')
      f.push(
        createHash('sha256')
          .update(readFileSync(join(root, rel!)))
          .digest('hex'),
      );
    out.push(f.join('\t'));
  }
  return out.sort();
}
