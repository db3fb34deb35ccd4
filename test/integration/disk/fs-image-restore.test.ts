/**
 * Root filesystem images, for real, as root: an image is built with its metadata checksum seed
 * stored (a new UUID rewrites no checksum) and its blocks of zeros made holes; restored onto a disk
 * full of stale bytes, every hole reads back as zeros, the filesystem gets its own UUID and grows,
 * the blocks reach the disk through one flush at the end, and nothing leaks. An image of the older
 * format is made again.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheKey, imagePaths, pinFsImage, withCacheEntry } from '../../../src/cache/index.js';
import { entryPaths } from '../../../src/cache/entry.js';
import { entryStem } from '../../../src/cache/key.js';
import { buildFsImage, prepareDisk, type FsImage } from '../../../src/disk/index.js';
import { eatmydataInstalled } from '../../../src/disk/nosync.js';
import { ExecRunner } from '../../../src/process/runner.js';
import { CleanupStack } from '../../../src/runtime/cleanup.js';
import { Logger, MemorySink } from '../../../src/runtime/logger.js';
import { finishDisk, isRoot, makeDiskFile, type DiskFile } from '../../helpers/disk.js';

const MiB = 1024 * 1024;

let base: string;
let sink: MemorySink;
let log: Logger;
let runner: ExecRunner;
let stack: CleanupStack;
let disk: DiskFile | undefined;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'fs-image-restore-'));
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

/** A tree with a file of written zeros (allocated blocks in the filesystem) and one of data. */
async function fill(root: string): Promise<void> {
  await mkdir(join(root, 'etc'), { recursive: true });
  await writeFile(join(root, 'etc/marker'), 'restored\n');
  await writeFile(join(root, 'zeros'), Buffer.alloc(8 * MiB));
  await writeFile(join(root, 'data'), Buffer.alloc(4 * MiB, 0x5a));
}

const build = (file: string): Promise<number> =>
  buildFsImage({ runner, log, stack, file, sizeBytes: 256 * MiB, fill, fstype: 'ext4', mkfsOptions: [] });

/** Byte ranges `qemu-img map` reports as data (the rest are holes). */
function dataRanges(file: string): { start: number; length: number }[] {
  const map = JSON.parse(
    execFileSync('qemu-img', ['map', '--output=json', '-f', 'raw', file], { encoding: 'utf8' }),
  ) as { start: number; length: number; data: boolean }[];
  return map.filter((e) => e.data);
}

/** Byte offset in the filesystem of the first block of `path` (debugfs, dumpe2fs). */
function firstBlockOffset(fsFile: string, path: string): number {
  const quiet = {
    encoding: 'utf8' as const,
    stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'],
  };
  const block = Number(
    execFileSync('debugfs', ['-R', `blocks ${path}`, fsFile], quiet)
      .trim()
      .split(/\s+/)[0],
  );
  const size = Number(/^Block size:\s+(\d+)/m.exec(execFileSync('dumpe2fs', ['-h', fsFile], quiet))?.[1]);
  return block * size;
}

describe.runIf(isRoot)('root filesystem images', () => {
  it('are built with the checksum seed stored and their zeros as holes', async () => {
    const file = join(base, 'root.ext4.img');
    await build(file);
    const features = execFileSync('dumpe2fs', ['-h', file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(features).toMatch(/^Filesystem features:.*\bmetadata_csum_seed\b/m);
    const inData = (off: number): boolean =>
      dataRanges(file).some((r) => off >= r.start && off < r.start + r.length);
    expect(inData(firstBlockOffset(file, '/zeros'))).toBe(false);
    expect(inData(firstBlockOffset(file, '/data'))).toBe(true);
    expect(
      execFileSync('e2fsck', ['-fn', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    ).toMatch(/files/);
  });

  it('restore onto stale bytes: holes read as zeros, a UUID of its own, grown, flushed once at the end', async () => {
    const file = join(base, 'root.ext4.img');
    const bytes = await build(file);
    const imageUuid = execFileSync('blkid', ['-c', '/dev/null', '-s', 'UUID', '-o', 'value', file], {
      encoding: 'utf8',
    }).trim();
    disk = makeDiskFile(512 * MiB);
    const junk = Buffer.alloc(4 * MiB, 0xa5);
    const fd = openSync(disk.path, 'r+');
    for (let off = 0; off < 512 * MiB; off += 4 * MiB) writeSync(fd, junk, 0, junk.length, off);
    closeSync(fd);
    const rootImage = (): Promise<FsImage> => Promise.resolve({ path: file, bytes, fstype: 'ext4' });
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
    expect(root.uuid).not.toBe(imageUuid);
    expect(
      execFileSync('blkid', ['-c', '/dev/null', '-s', 'UUID', '-o', 'value', root.device], {
        encoding: 'utf8',
      }).trim(),
    ).toBe(root.uuid);
    const t = prepared.target;
    expect(await readFile(join(t, 'etc/marker'), 'utf8')).toBe('restored\n');
    // the image's holes were zeroed on the disk: the stale 0xa5 never shows through
    expect((await readFile(join(t, 'zeros'))).equals(Buffer.alloc(8 * MiB))).toBe(true);
    expect((await readFile(join(t, 'data'))).equals(Buffer.alloc(4 * MiB, 0x5a))).toBe(true);
    const df = execFileSync('df', ['-B1', '--output=size', t], { encoding: 'utf8' }).split('\n')[1]!.trim();
    expect(Number(df)).toBeGreaterThan(400 * MiB);
    // no tool flushes the copy (when eatmydata is there): its writeback starts early, and the
    // device is flushed once, after the last unmount
    const labels = stack.labels();
    expect(labels).toContain(`flush ${prepared.device}`);
    if (eatmydataInstalled()) {
      expect(labels).toContain(`wait for the writeback of ${disk.path}`);
      expect(sink.lines.some((l) => /\$ resize2fs -f/.test(l))).toBe(true);
    }
    expect(labels.indexOf(`flush ${prepared.device}`)).toBeLessThan(labels.indexOf(`umount ${t}`));
    await stack.unwind();
    const fsck = execFileSync('e2fsck', ['-fn', `${disk.path}?offset=${MiB}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(fsck).toMatch(/files/);
  });

  it('of the older format (no stored checksum seed) are made again', async () => {
    const dir = join(base, 'cache');
    const inputs = { suite: 'bookworm', arch: 'amd64', packages: ['format-test'] };
    const key = cacheKey(inputs);
    const opts = { dir, inputs, log, cleanup: stack };
    await withCacheEntry(key, (s) => fill(s), opts);
    const builder = (file: string, sizeBytes: number, f: (root: string) => Promise<void>): Promise<void> =>
      buildFsImage({ runner, log, stack, file, sizeBytes, fill: f, fstype: 'ext4', mkfsOptions: [] }).then(
        () => undefined,
      );
    const spec = { fstype: 'ext4', mkfsOptions: [] };
    await (await pinFsImage(key, spec, builder, opts))!.release();
    const { sidecar } = imagePaths(entryPaths(dir, entryStem(inputs, key)), 'ext4');
    const sc = JSON.parse(readFileSync(sidecar, 'utf8')) as { format: number };
    expect(sc.format).toBe(2);
    writeFileSync(sidecar, JSON.stringify({ ...sc, format: 1 }));
    await (await pinFsImage(key, spec, builder, opts))!.release();
    expect(
      sink.lines.filter((l) =>
        /the ext4 image of .* is unusable \(it was made by an older version \(format 1\)\)/.test(l),
      ),
    ).toHaveLength(1);
    expect((JSON.parse(readFileSync(sidecar, 'utf8')) as { format: number }).format).toBe(2);
  });
});
