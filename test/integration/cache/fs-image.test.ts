/**
 * Filesystem images beside a cache entry, for real, as root: made from the tarball on a loop device,
 * reused while unchanged, made again when tampered with or when the tarball changes, restored onto
 * a partition full of stale data (which must not show through) with a fresh UUID and grown to the
 * partition; too big for a disk, mkfs and the tarball take over. Nothing leaks.
 */
import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { chmod, link, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cacheKey,
  imagePaths,
  pinFsImage,
  withCacheEntry,
  type ImageSpec,
} from '../../../src/cache/index.js';
import { entryPaths } from '../../../src/cache/entry.js';
import { entryStem } from '../../../src/cache/key.js';
import { buildFsImage, prepareDisk, type FsImage } from '../../../src/disk/index.js';
import { ExecRunner } from '../../../src/process/runner.js';
import { CleanupStack } from '../../../src/runtime/cleanup.js';
import { Logger, MemorySink } from '../../../src/runtime/logger.js';
import { finishDisk, isRoot, makeDiskFile, type DiskFile } from '../../helpers/disk.js';

const MiB = 1024 * 1024;
const inputs = {
  suite: 'bookworm',
  arch: 'amd64',
  mirror: 'http://deb.debian.org/debian',
  packages: ['image-test'],
};
const key = cacheKey(inputs);
const spec: ImageSpec & { fstype: 'ext4' } = { fstype: 'ext4', mkfsOptions: [] };

let base: string;
let dir: string;
let sink: MemorySink;
let log: Logger;
let runner: ExecRunner;
let stack: CleanupStack;
let disk: DiskFile | undefined;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'fs-image-test-'));
  dir = join(base, 'cache');
  sink = new MemorySink();
  log = new Logger('debug', sink);
  runner = new ExecRunner(log);
  stack = new CleanupStack(log);
});
afterEach(async () => {
  await finishDisk(stack, disk);
  disk = undefined;
  await rm(base, { recursive: true, force: true });
});

/** A small tree with what a guest has: owners, modes, a hardlink, a file capability, a sparse file. */
async function fillTree(root: string, marker = 'one'): Promise<void> {
  await mkdir(join(root, 'etc'), { recursive: true });
  await mkdir(join(root, 'usr/bin'), { recursive: true });
  await writeFile(join(root, 'etc/marker'), `${marker}\n`);
  await writeFile(join(root, 'usr/bin/ping'), 'not really ping\n');
  await chmod(join(root, 'usr/bin/ping'), 0o4755);
  execFileSync('setcap', ['cap_net_raw+ep', join(root, 'usr/bin/ping')]);
  await link(join(root, 'etc/marker'), join(root, 'etc/marker.hard'));
  await writeFile(join(root, 'etc/owned'), 'x');
  execFileSync('chown', ['1234:5678', join(root, 'etc/owned')]);
  execFileSync('truncate', ['-s', '64M', join(root, 'sparse')]);
  // Enough data that the image is not all metadata.
  const big = Buffer.alloc(8 * MiB);
  randomFillSync(big);
  await writeFile(join(root, 'usr/bin/blob'), big);
}

const builder = (file: string, sizeBytes: number, fill: (root: string) => Promise<void>): Promise<void> =>
  buildFsImage({ runner, log, stack, file, sizeBytes, fill, fstype: 'ext4', mkfsOptions: [] }).then(
    () => undefined,
  );

const opts = () => ({ dir, inputs, log, cleanup: stack });

async function pin() {
  const img = await pinFsImage(key, spec, builder, opts());
  return img;
}

function lines(re: RegExp): string[] {
  return sink.lines.filter((l) => re.test(l));
}

function files(): { image: string; sidecar: string } {
  return imagePaths(entryPaths(dir, entryStem(inputs, key)), 'ext4');
}

describe.runIf(isRoot)('filesystem images beside a cache entry', () => {
  it('are made once from the verified tarball, then reused', async () => {
    await withCacheEntry(key, (s) => fillTree(s), opts());
    const first = await pin();
    expect(first).toBeDefined();
    await first!.release();
    expect(lines(/cache: making the ext4 image/)).toHaveLength(1);
    expect(lines(/cache: stored .*\.ext4\.img \(\d+ MiB used\)/)).toHaveLength(1);
    const sc = JSON.parse(readFileSync(files().sidecar, 'utf8')) as {
      bytes: number;
      fstype: string;
      tarballSha256: string;
    };
    expect(sc.fstype).toBe('ext4');
    expect(sc.bytes).toBe((await stat(files().image)).size);
    // shrunk: far below the 8 GiB it was made in
    expect(sc.bytes).toBeLessThan(1024 * MiB);
    const again = await pin();
    await again!.release();
    expect(lines(/cache: making the ext4 image/)).toHaveLength(1);
    expect(lines(/cache: using .*\.ext4\.img/)).toHaveLength(1);
    // no temporaries left, no loop device on the image
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
    expect(execFileSync('losetup', ['-j', files().image], { encoding: 'utf8' }).trim()).toBe('');
  });

  it('are made again when the file was written after publication, or the tarball changed', async () => {
    await withCacheEntry(key, (s) => fillTree(s), opts());
    await (await pin())!.release();
    // one byte changed in place: same size, but a new ctime
    const fd = openSync(files().image, 'r+');
    writeSync(fd, Buffer.from([0x42]), 0, 1, 4096 * 10);
    closeSync(fd);
    await (await pin())!.release();
    expect(
      lines(/the ext4 image of .* is unusable \(the file changed after it was published\); making it again/),
    ).toHaveLength(1);
    // a rebuilt tarball (clean-cache expiry) makes the old image stale
    await withCacheEntry(key, (s) => fillTree(s, 'two'), {
      ...opts(),
      maxAgeDays: 0,
      now: () => Date.now() + 86_400_000,
    });
    await (await pin())!.release();
    expect(lines(/unusable \(it was made from another tarball\)/)).toHaveLength(1);
    expect(lines(/cache: making the ext4 image/)).toHaveLength(3);
  });

  it('are not made from a damaged tarball (the caller unpacks and rebuilds it instead)', async () => {
    const { path } = await withCacheEntry(key, (s) => fillTree(s), opts());
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from([0xff, 0xff, 0xff, 0xff]), 0, 4, 64);
    closeSync(fd);
    expect(await pin()).toBeUndefined();
    expect(existsSync(files().image)).toBe(false);
  });

  it('a build killed halfway (its image still mounted on a loop device) is recovered by the next one', async () => {
    await withCacheEntry(key, (s) => fillTree(s), opts());
    const building = join(dir, `.${entryStem(inputs, key)}.ext4.img.building`);
    // What SIGKILL leaves behind: the file, attached and mounted, its undo steps never run.
    execFileSync('truncate', ['-s', '256M', building]);
    const orphan = new CleanupStack(log);
    const left = await prepareDisk({
      path: building,
      layout: { style: 'none', filesystem: 'ext4' },
      minRootMiB: 64,
      runner,
      stack: orphan,
      log,
    });
    expect(execFileSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' })).toContain(left.target);
    const img = await pin();
    expect(img).toBeDefined();
    await img!.release();
    expect(lines(/cache: recovering .*\.ext4\.img\.building, left by a build that was killed/)).toHaveLength(
      1,
    );
    expect(execFileSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' })).not.toContain(left.target);
    expect(execFileSync('losetup', ['-j', building], { encoding: 'utf8' }).trim()).toBe('');
    expect(existsSync(building)).toBe(false);
    expect(existsSync(files().image)).toBe(true);
  });

  it('restore onto a partition full of stale data: the tree, a fresh UUID, grown to the partition', async () => {
    await withCacheEntry(key, (s) => fillTree(s), opts());
    const pinned = (await pin())!;
    const imageUuid = execFileSync('blkid', ['-c', '/dev/null', '-s', 'UUID', '-o', 'value', files().image], {
      encoding: 'utf8',
    }).trim();
    disk = makeDiskFile(768 * MiB);
    // stale data everywhere the image has holes: it must read as zeros or as the image's blocks
    const junk = Buffer.alloc(4 * MiB, 0xa5);
    const fd = openSync(disk.path, 'r+');
    for (let off = 0; off < 768 * MiB; off += 4 * MiB) writeSync(fd, junk, 0, junk.length, off);
    closeSync(fd);
    const rootImage = (): Promise<FsImage> =>
      Promise.resolve({ path: pinned.path, bytes: pinned.bytes, fstype: 'ext4' });
    const prepared = await prepareDisk({
      path: disk.path,
      layout: { style: 'msdos', filesystem: 'ext4' },
      runner,
      stack,
      log,
      rootImage,
    });
    expect(prepared.rootRestored).toBe(true);
    const root = prepared.partitions.find((p) => p.role === 'root')!;
    expect(root.uuid).toBeDefined();
    expect(root.uuid).not.toBe(imageUuid);
    expect(prepared.fstab.find((e) => e.mountpoint === '/')?.spec).toBe(`UUID=${root.uuid!}`);
    const t = prepared.target;
    expect(await readFile(join(t, 'etc/marker'), 'utf8')).toBe('one\n');
    expect((await stat(join(t, 'etc/marker'))).ino).toBe((await stat(join(t, 'etc/marker.hard'))).ino);
    expect(execFileSync('getcap', [join(t, 'usr/bin/ping')], { encoding: 'utf8' })).toMatch(
      /cap_net_raw[=+]ep/,
    );
    expect((await stat(join(t, 'usr/bin/ping'))).mode & 0o7777).toBe(0o4755);
    const owned = await stat(join(t, 'etc/owned'));
    expect([owned.uid, owned.gid]).toEqual([1234, 5678]);
    const sparse = await stat(join(t, 'sparse'));
    expect(sparse.size).toBe(64 * MiB);
    expect(sparse.blocks).toBe(0);
    // grown to (nearly) the whole partition
    const df = execFileSync('df', ['-B1', '--output=size', t], { encoding: 'utf8' }).split('\n')[1]!.trim();
    expect(Number(df)).toBeGreaterThan(600 * MiB);
    // a new file lands in space the image never had
    await writeFile(join(t, 'new-file'), Buffer.alloc(200 * MiB, 1));
    await pinned.release();
    await stack.unwind();
    const fsck = execFileSync('e2fsck', ['-fn', `${disk.path}?offset=${1024 * 1024}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(fsck).toMatch(/clean|files/);
  });

  it('that do not fit the root partition are not used: mkfs formats it', async () => {
    await withCacheEntry(key, (s) => fillTree(s), opts());
    const pinned = (await pin())!;
    disk = makeDiskFile(pinned.bytes - 8 * MiB);
    const rootImage = (): Promise<FsImage> =>
      Promise.resolve({ path: pinned.path, bytes: pinned.bytes, fstype: 'ext4' });
    const prepared = await prepareDisk({
      path: disk.path,
      layout: { style: 'msdos', filesystem: 'ext4' },
      minRootMiB: 64,
      runner,
      stack,
      log,
      rootImage,
    });
    expect(prepared.rootRestored).toBe(false);
    expect(existsSync(join(prepared.target, 'etc/marker'))).toBe(false);
    expect(
      lines(
        /not restoring the cached ext4 image \(\d+ MiB do not fit the \d+ MiB root\); formatting the root/,
      ),
    ).toHaveLength(1);
    await pinned.release();
  });
});
