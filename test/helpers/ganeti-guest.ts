/**
 * Looking into an instance's disk from the host, while the instance is down: its root partition's
 * offset (sfdisk), one file read without mounting (debugfs, ext2/3/4 only), and a manifest of every
 * file (a read-only loop mount with an offset, always unmounted again; the loop device goes with it).
 *
 *   const disk = hostPath((await diskFiles('inst1'))[0]!);
 *   await guestCat(disk, '/etc/hostname');          // 'inst1\n'
 *   const files = await guestManifest(disk);        // Map: path -> "f 644 0 0 1 123 <mtime> <sha256> ..."
 */
import { mkdtemp, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FILE_STORAGE_DIR, ROOT_DIR, host } from './ganeti-host.js';
import { mountsBelow } from './ganeti-host.js';

/** The host path of a file-storage path inside the cluster. */
export function hostPath(nsPath: string): string {
  if (!nsPath.startsWith(`${FILE_STORAGE_DIR}/`))
    throw new Error(`${nsPath} is not below ${FILE_STORAGE_DIR}`);
  return `${ROOT_DIR}/file-storage/${nsPath.slice(FILE_STORAGE_DIR.length + 1)}`;
}

export interface DiskLayout {
  /** 'dos', 'gpt', or 'none' (a filesystem on the whole disk). */
  label: string;
  partitions: { start: number; sizeBytes: number; type: string }[];
  /** Byte offset of the root filesystem: the largest partition, or 0 without a table. */
  rootOffset: number;
}

export async function diskLayout(disk: string): Promise<DiskLayout> {
  const r = await host('sfdisk', ['-J', disk], { check: false });
  if (r.exitCode !== 0 || !r.stdout.trim()) return { label: 'none', partitions: [], rootOffset: 0 };
  const t = (
    JSON.parse(r.stdout) as {
      partitiontable: {
        label: string;
        sectorsize?: number;
        partitions?: { start: number; size: number; type: string }[];
      };
    }
  ).partitiontable;
  const sector = t.sectorsize ?? 512;
  const partitions = (t.partitions ?? []).map((p) => ({
    start: p.start * sector,
    sizeBytes: p.size * sector,
    type: p.type,
  }));
  const root = [...partitions].sort((a, b) => b.sizeBytes - a.sizeBytes)[0];
  return { label: t.label, partitions, rootOffset: root?.start ?? 0 };
}

/** A file of the guest's root filesystem (ext2/3/4), read with debugfs: no mount, no loop device. */
export async function guestCat(disk: string, path: string): Promise<string> {
  const { rootOffset } = await diskLayout(disk);
  const r = await host('debugfs', ['-R', `cat ${path}`, `${disk}?offset=${rootOffset}`]);
  // debugfs exits 0 even when the file is missing; its stderr then says so after the banner.
  const errors = r.stderr.split('\n').filter((l) => l.trim() && !/^debugfs \d/.test(l));
  if (errors.length > 0) throw new Error(`debugfs cat ${path} on ${disk}: ${errors.join('; ')}`);
  return r.stdout;
}

/** Runs `fn` with the guest's root filesystem mounted read-only (journal not replayed) on a temp dir. */
export async function withGuestMounted<T>(disk: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const { rootOffset } = await diskLayout(disk);
  const fstype = (
    await host('blkid', ['-p', '-O', String(rootOffset), '-s', 'TYPE', '-o', 'value', disk])
  ).stdout.trim();
  const noReplay = fstype === 'xfs' ? ',norecovery' : fstype.startsWith('ext') ? ',noload' : '';
  const dir = await mkdtemp(join(tmpdir(), 'ganeti-os-e2e-guest-'));
  try {
    // `-o loop` sets autoclear: the loop device goes away with the mount.
    await host('mount', ['-t', fstype, '-o', `ro,loop,offset=${rootOffset}${noReplay}`, disk, dir]);
    try {
      return await fn(dir);
    } finally {
      await host('umount', [dir]);
    }
  } finally {
    if ((await mountsBelow(dir)).length === 0) await rmdir(dir);
  }
}

/**
 * Every entry of the guest's root filesystem (relative path -> description). Regular files:
 * type, mode, owner, group, link count, size, mtime (seconds), sha256 and xattrs (ACLs, file
 * capabilities); symlinks: their target; directories: type, mode, owner and group (their size
 * and mtime depend on the history of the directory, not on its content).
 */
export async function guestManifest(disk: string): Promise<Map<string, string>> {
  return withGuestMounted(disk, async (dir) => {
    const sh = (script: string) => host('sh', ['-c', script, 'sh', dir], { timeoutMs: 300_000 });
    const stat = (
      await sh(`cd "$1" && find . -xdev -printf '%y\\0%m\\0%U\\0%G\\0%n\\0%s\\0%T@\\0%l\\0%P\\0'`)
    ).stdout;
    const sums = (await sh(`cd "$1" && find . -xdev -type f -print0 | xargs -0r sha256sum -z --`)).stdout;
    const attrs = (await sh(`cd "$1" && getfattr -R -P -h -d -m - -e hex . 2>/dev/null || true`)).stdout;

    const sha = new Map<string, string>();
    for (const rec of sums.split('\0').filter(Boolean)) {
      const m = /^([0-9a-f]{64}) {2}\.\/(.*)$/s.exec(rec);
      if (m) sha.set(m[2]!, m[1]!);
    }
    const xattrs = parseGetfattr(attrs);
    const out = new Map<string, string>();
    const f = stat.split('\0');
    for (let i = 0; i + 9 <= f.length; i += 9) {
      const [type, mode, uid, gid, nlink, size, mtime, link, path] = f.slice(i, i + 9) as [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ];
      if (path === '') continue; // the root itself
      const base = `${type} ${mode} ${uid}:${gid}`;
      const xa = xattrs.get(path) ?? '';
      if (type === 'd') out.set(path, `${base}${xa}`);
      else if (type === 'l') out.set(path, `${base} -> ${link}`);
      else if (type === 'f') {
        out.set(path, `${base} n${nlink} ${size}B t${mtime.split('.')[0]} ${sha.get(path) ?? '?'}${xa}`);
      } else out.set(path, `${base}${xa}`);
    }
    return out;
  });
}

/** `getfattr -d -e hex` output: blocks of `# file: ./path` then `name=0x...` lines. */
function parseGetfattr(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n').filter(Boolean);
    const head = /^# file: (?:\.\/)?(.*)$/.exec(lines[0] ?? '');
    if (!head) continue;
    out.set(head[1]!, ` [${lines.slice(1).sort().join(' ')}]`);
  }
  return out;
}

/** Human-readable differences between two manifests (first `limit`), ignoring paths `skip` accepts. */
export function manifestDiff(
  a: Map<string, string>,
  b: Map<string, string>,
  skip: (path: string) => boolean = () => false,
  limit = 40,
): string[] {
  const diffs: string[] = [];
  for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    if (skip(path)) continue;
    const x = a.get(path);
    const y = b.get(path);
    if (x === y) continue;
    diffs.push(`${path}: ${x ?? '(missing)'} != ${y ?? '(missing)'}`);
    if (diffs.length >= limit) break;
  }
  return diffs;
}
