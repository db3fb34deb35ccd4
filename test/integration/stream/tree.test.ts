/**
 * Tree streams for real, as root: a tree with every kind of file and metadata goes through
 * exportTree -> importTree (through a file, through a FIFO, and from xfs to btrfs on loop devices)
 * and comes out identical; hostile tar streams are refused without touching anything outside.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import {
  chmod,
  chown,
  link,
  mkdir,
  mkdtemp,
  open,
  readdir,
  rm,
  stat,
  symlink,
  truncate,
  writeFile,
  utimes,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportTree, importTree } from '../../../src/stream/index.js';
import { isOsError } from '../../../src/runtime/errors.js';
import { Logger, MemorySink } from '../../../src/runtime/logger.js';

let base: string;
let log: Logger;
const mounts: string[] = [];
const loops: string[] = [];

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'stream-test-'));
  log = new Logger('debug', new MemorySink());
});
afterEach(async () => {
  for (const m of mounts.splice(0).reverse()) execFileSync('umount', [m]);
  for (const l of loops.splice(0)) execFileSync('losetup', ['-d', l]);
  const still = execFileSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' });
  expect(still).not.toContain(base);
  expect(execFileSync('losetup', ['-a'], { encoding: 'utf8' })).not.toContain(base);
  await rm(base, { recursive: true, force: true });
});

function sh(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', cwd, maxBuffer: 64 * 1024 * 1024 });
}

async function richTree(root: string): Promise<void> {
  await mkdir(join(root, 'etc/ssh'), { recursive: true });
  await mkdir(join(root, 'usr/bin'), { recursive: true });
  await mkdir(join(root, 'tmp'), { mode: 0o1777 });
  await chmod(join(root, 'tmp'), 0o1777);
  await mkdir(join(root, 'empty-dir'));
  await writeFile(join(root, 'etc/hostname'), 'web-1\n');
  await writeFile(join(root, 'etc/shadow'), 'root:!:19000:0:99999:7:::\n');
  await chown(join(root, 'etc/shadow'), 0, 42);
  await chmod(join(root, 'etc/shadow'), 0o640);
  await writeFile(join(root, 'etc/ssh/ssh_host_ed25519_key'), 'secret');
  await chmod(join(root, 'etc/ssh/ssh_host_ed25519_key'), 0o600);
  await writeFile(join(root, 'usr/bin/ping'), '#!/bin/sh\necho ping\n');
  await chmod(join(root, 'usr/bin/ping'), 0o755);
  sh('setcap', ['cap_net_raw+ep', join(root, 'usr/bin/ping')]);
  await writeFile(join(root, 'usr/bin/su'), 'su');
  await chmod(join(root, 'usr/bin/su'), 0o4755);
  await writeFile(join(root, 'owned by 1234'), 'data');
  await chown(join(root, 'owned by 1234'), 1234, 5678);
  await link(join(root, 'owned by 1234'), join(root, 'hardlink'));
  await writeFile(join(root, 'tagged'), 'x'.repeat(10000));
  sh('setfattr', ['-n', 'user.note', '-v', 'kept', join(root, 'tagged')]);
  sh('setfacl', ['-m', 'u:1234:rw,g:5678:r', join(root, 'tagged')]);
  sh('setfacl', ['-d', '-m', 'u:1234:rwx', join(root, 'empty-dir')]);
  await writeFile(join(root, 'sparse.img'), '');
  await truncate(join(root, 'sparse.img'), 256 * 1024 ** 2);
  const fh = await open(join(root, 'sparse.img'), 'r+');
  await fh.write('in the middle', 128 * 1024 * 1024);
  await fh.close();
  sh('mkfifo', [join(root, 'fifo')]);
  sh('mknod', [join(root, 'null'), 'c', '1', '3']);
  sh('mknod', [join(root, 'blockdev'), 'b', '7', '250']);
  await symlink('usr/bin', join(root, 'bin'));
  await symlink('/etc/hostname', join(root, 'abs-link'));
  await symlink('../nowhere', join(root, 'etc/dangling'));
  await writeFile(join(root, 'name with\nnewline'), 'n');
  await utimes(join(root, 'etc/hostname'), 1_000_000_000, 1_000_000_000);
}

/** Everything we care about, in a comparable text form. */
function snapshot(root: string): string {
  const find = sh('find', ['.', '-printf', '%p|%y|%m|%U|%G|%s|%n|%l|%T@\\0'], root)
    .split('\0')
    .filter((l) => l && !l.startsWith('.|'))
    .map((l) => {
      const f = l.split('|');
      if (f[1] === 'd') f[5] = f[6] = '-'; // directory sizes and link counts depend on the filesystem
      f[8] = String(Math.floor(Number(f[8])));
      return JSON.stringify(f.join('|'));
    })
    .sort()
    .join('\n');
  const xattrs = sh('getfattr', ['-R', '-h', '-d', '-m', '-', '-e', 'hex', '.'], root)
    .split('\n\n')
    .filter((b) => b.trim())
    .map((b) =>
      b
        .split('\n')
        .filter((l) => !/^(security\.selinux|trusted\.SGI_ACL_)/.test(l))
        .join('\n'),
    )
    .sort()
    .join('\n\n');
  const sums = sh('sh', ['-c', 'find . -type f -print0 | sort -z | xargs -0 sha256sum'], root);
  const devs = sh('sh', ['-c', 'stat -c "%n %t:%T" null blockdev'], root);
  return `${find}\n--\n${xattrs}\n--\n${sums}\n--\n${devs}`;
}

async function roundTripViaFile(src: string, dst: string): Promise<void> {
  const streamFile = join(base, 'stream.tar');
  const out = openSync(streamFile, 'w', 0o600);
  try {
    await exportTree(src, out, { log });
  } finally {
    closeSync(out);
  }
  const inp = openSync(streamFile, 'r');
  try {
    await importTree(dst, inp, { log });
  } finally {
    closeSync(inp);
  }
}

describe('exportTree / importTree', () => {
  it('round-trips owners, modes, hardlinks, xattrs, ACLs, capabilities, sparse files, fifos, devices, symlinks', async () => {
    const src = join(base, 'src');
    const dst = join(base, 'dst');
    await mkdir(src);
    await mkdir(dst);
    await richTree(src);
    await roundTripViaFile(src, dst);
    expect(snapshot(dst)).toBe(snapshot(src));
    expect(sh('getcap', [join(dst, 'usr/bin/ping')])).toMatch(/cap_net_raw[=+]ep/);
    expect(sh('getfacl', ['-cp', join(dst, 'tagged')])).toContain('user:1234:rw-');
    const sparse = await stat(join(dst, 'sparse.img'));
    expect(sparse.size).toBe(256 * 1024 ** 2);
    expect(Number(sh('du', ['-k', join(dst, 'sparse.img')]).split('\t')[0])).toBeLessThan(1024);
    const stream = await stat(join(base, 'stream.tar'));
    expect(stream.size).toBeLessThan(10 * 1024 * 1024);
  });

  it('streams through a FIFO while both sides run (no buffering in Node)', async () => {
    const src = join(base, 'src');
    const dst = join(base, 'dst');
    await mkdir(src);
    await mkdir(dst);
    await richTree(src);
    const fifo = join(base, 'fifo');
    sh('mkfifo', [fifo]);
    const [r, w] = await Promise.all([open(fifo, 'r'), open(fifo, 'w')]);
    const importing = importTree(dst, r.fd, { log }).finally(() => r.close());
    await exportTree(src, w.fd, { log }).finally(() => w.close());
    await importing;
    expect(snapshot(dst)).toBe(snapshot(src));
  });

  it('exports one filesystem only, from xfs into btrfs on loop devices', async () => {
    const mk = async (name: string, mkfs: string[]): Promise<string> => {
      const img = join(base, `${name}.img`);
      await writeFile(img, '');
      await truncate(img, 1024 ** 3);
      const dev = sh('losetup', ['-f', '--show', img]).trim();
      loops.push(dev);
      sh(mkfs[0]!, [...mkfs.slice(1), dev]);
      const mnt = join(base, name);
      await mkdir(mnt);
      sh('mount', [dev, mnt]);
      mounts.push(mnt);
      return mnt;
    };
    const src = await mk('xfs', ['mkfs.xfs', '-q', '-f']);
    const dst = await mk('btrfs', ['mkfs.btrfs', '-q', '-f']);
    await richTree(src);
    await mkdir(join(src, 'proc'));
    sh('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'none', join(src, 'proc')]);
    mounts.push(join(src, 'proc'));
    await writeFile(join(src, 'proc', 'not-exported'), 'x');
    await roundTripViaFile(src, dst);
    expect(await readdir(join(dst, 'proc'))).toEqual([]);
    execFileSync('umount', [join(src, 'proc')]);
    mounts.splice(mounts.indexOf(join(src, 'proc')), 1);
    expect(snapshot(dst)).toBe(snapshot(src));
  });

  it('refuses to import into a non-empty target', async () => {
    const dst = join(base, 'dst');
    await mkdir(join(dst, 'lost+found'), { recursive: true });
    await writeFile(join(dst, 'leftover'), '');
    let err: unknown;
    try {
      await importTree(dst, 0, { log });
    } catch (e) {
      err = e;
    }
    expect(isOsError(err) && err.code).toBe('E_IMPORT_TARGET');
  });

  it('reports an unreadable export source', async () => {
    const out = openSync('/dev/null', 'w');
    try {
      await expect(exportTree(join(base, 'missing'), out, { log })).rejects.toThrow(/tar failed/);
    } finally {
      closeSync(out);
    }
  });
});

describe('hostile import streams', () => {
  type Member = {
    name: string;
    type?: 'file' | 'symlink' | 'link' | 'directory';
    linkname?: string;
    body?: string;
  };

  async function hostileTar(members: Member[]): Promise<string> {
    const path = join(base, 'hostile.tar');
    const pack = tar.pack();
    const done = pipeline(pack, createWriteStream(path));
    for (const m of members) {
      const type = m.type ?? 'file';
      const header = {
        name: m.name,
        type,
        mode: type === 'directory' ? 0o755 : 0o644,
        linkname: m.linkname,
        size: type === 'file' ? Buffer.byteLength(m.body ?? '') : 0,
      };
      await new Promise<void>((res, rej) => {
        const cb = (err?: Error | null): void => (err ? rej(err) : res());
        pack.entry(header, type === 'file' ? (m.body ?? '') : '', cb);
      });
    }
    pack.finalize();
    await done;
    return path;
  }

  async function importFile(tarPath: string, dst: string): Promise<unknown> {
    const fd = openSync(tarPath, 'r');
    try {
      await importTree(dst, fd, { log });
      return undefined;
    } catch (e) {
      return e;
    } finally {
      closeSync(fd);
    }
  }

  let outside: string;
  let dst: string;
  beforeEach(async () => {
    outside = join(base, 'outside');
    dst = join(base, 'dst', 'target');
    await mkdir(outside);
    await mkdir(dst, { recursive: true });
  });

  async function nothingEscaped(): Promise<void> {
    expect(await readdir(outside)).toEqual([]);
    expect(await readdir(join(base, 'dst'))).toEqual(['target']);
  }

  it('refuses ../ members', async () => {
    const err = await importFile(
      await hostileTar([
        { name: 'ok', body: 'fine' },
        { name: '../evil', body: 'pwned' },
      ]),
      dst,
    );
    expect(isOsError(err) && err.code).toBe('E_IMPORT_TREE');
    await nothingEscaped();
  });

  it('refuses a file written through a symlink to an absolute path outside', async () => {
    const err = await importFile(
      await hostileTar([
        { name: 'escape', type: 'symlink', linkname: outside },
        { name: 'escape/evil', body: 'pwned' },
      ]),
      dst,
    );
    expect(isOsError(err) && err.code).toBe('E_IMPORT_TREE');
    await nothingEscaped();
  });

  it('refuses a file written through a relative ../ symlink', async () => {
    const err = await importFile(
      await hostileTar([
        { name: 'up', type: 'symlink', linkname: '../../outside' },
        { name: 'up/evil', body: 'pwned' },
      ]),
      dst,
    );
    expect(isOsError(err) && err.code).toBe('E_IMPORT_TREE');
    await nothingEscaped();
  });

  it('keeps absolute member names inside the target', async () => {
    const err = await importFile(await hostileTar([{ name: join(outside, 'evil'), body: 'pwned' }]), dst);
    expect(err).toBeUndefined();
    await nothingEscaped();
    expect(await readdir(join(dst, outside))).toEqual(['evil']);
  });

  it('does not hardlink host files into the target', async () => {
    const victim = join(outside, 'victim');
    await writeFile(victim, 'host');
    const before = (await stat(victim)).nlink;
    const err = await importFile(await hostileTar([{ name: 'hl', type: 'link', linkname: victim }]), dst);
    expect(isOsError(err) && err.code).toBe('E_IMPORT_TREE');
    expect((await stat(victim)).nlink).toBe(before);
    expect(await readdir(dst)).toEqual([]);
  });
});
