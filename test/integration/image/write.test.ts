/**
 * writeDiskImage on real files and a loop device: raw (plain, gzip, xz, zstd) and qcow2 images over
 * a target full of old data (0xa5): everything up to the image's size reads as the image, holes
 * included, and everything after it is left as it was; the target keeps its size. Too large images
 * are refused before writing (compressed ones stop at the disk's size), truncated streams are
 * E_IMAGE_CORRUPT, and an abort kills the tools.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diskContext } from '../../../src/disk/context.js';
import { attachLoop } from '../../../src/disk/loop.js';
import { opensDirect } from '../../../src/disk/fs-image.js';
import { detectImage, writeDiskImage, type DetectedImage } from '../../../src/image/index.js';
import { CleanupStack } from '../../../src/runtime/cleanup.js';
import { Logger, MemorySink } from '../../../src/runtime/logger.js';
import { finishDisk, isRoot, makeDiskFile, type DiskFile } from '../../helpers/disk.js';
import { errorOf, MiB, rawDisk, RecordingRunner, sh, staleTarget, tempDir } from './fixtures.js';

let work: { dir: string; remove(): void };
let runner: RecordingRunner;
let log: Logger;

beforeEach(() => {
  work = tempDir();
  log = new Logger('debug', new MemorySink());
  runner = new RecordingRunner(log);
});
afterEach(() => work.remove());

const p = (name: string): string => join(work.dir, name);

function hashRange(path: string, start: number, length: number): string {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(4 * MiB);
    for (let off = 0; off < length;) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, length - off), start + off);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      off += n;
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

const STALE_4M = createHash('sha256')
  .update(Buffer.alloc(4 * MiB, 0xa5))
  .digest('hex');

/** Every 4 MiB block of [start, end) still holds the old 0xa5 bytes. */
function untouched(path: string, start: number, end: number): boolean {
  for (let off = start; off < end; off += 4 * MiB)
    if (hashRange(path, off, 4 * MiB) !== STALE_4M) return false;
  return true;
}

const IMAGE = 32 * MiB;
const TARGET = 64 * MiB;

describe.skipIf(!isRoot)('writeDiskImage', () => {
  it('writes raw, gzip/xz/zstd raw and qcow2 images over old data: holes read as zeros, the rest untouched', async () => {
    rawDisk(p('disk.raw'), IMAGE, 2 * MiB);
    sh('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', p('disk.raw'), p('disk.qcow2')]);
    sh('zstd', ['-q', '-k', p('disk.raw'), '-o', p('disk.raw.zst')]);
    sh('xz', ['-k', '-T2', p('disk.raw')]);
    sh('gzip', ['-k', p('disk.raw')]);
    const want = hashRange(p('disk.raw'), 0, IMAGE);
    for (const name of ['disk.raw', 'disk.qcow2', 'disk.raw.zst', 'disk.raw.xz', 'disk.raw.gz']) {
      const target = p(`target-${name}`);
      staleTarget(target, TARGET);
      const image = await detectImage(p(name), runner);
      const progress: [number, number | undefined][] = [];
      const r = await writeDiskImage({
        image,
        device: target,
        runner,
        log,
        onProgress: (done, total) => progress.push([done, total]),
      });
      expect(r, name).toEqual({ bytes: IMAGE });
      expect(statSync(target).size, name).toBe(TARGET);
      expect(hashRange(target, 0, IMAGE), name).toBe(want);
      expect(untouched(target, IMAGE, TARGET), name).toBe(true);
      expect(progress.length, name).toBeGreaterThan(0);
      expect(progress.at(-1)![0], name).toBe(IMAGE);
    }
  });

  it('passes the format explicitly and reads the inspected descriptor', async () => {
    rawDisk(p('disk.raw'), 4 * MiB);
    sh('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', p('disk.raw'), p('disk.qcow2')]);
    staleTarget(p('target'), 8 * MiB);
    const lines: string[] = [];
    const seen = new Logger('debug', { write: (l) => lines.push(l) });
    await writeDiskImage({
      image: await detectImage(p('disk.qcow2'), runner),
      device: p('target'),
      runner,
      log: seen,
    });
    // qcow2 is read with O_DIRECT wherever the image's filesystem takes it.
    const cache = opensDirect(p('disk.qcow2')) ? '-T none ' : '';
    expect(lines.find((l) => l.includes('qemu-img convert'))).toMatch(
      new RegExp(`\\$ qemu-img convert -p -f qcow2 ${cache}-O raw -n /dev/fd/3 /.*/target$`),
    );
  });

  it('writes a compressed image exactly as large as the disk', async () => {
    rawDisk(p('disk.raw'), IMAGE);
    sh('zstd', ['-q', p('disk.raw'), '-o', p('disk.raw.zst')]);
    staleTarget(p('target'), IMAGE);
    const r = await writeDiskImage({
      image: await detectImage(p('disk.raw.zst'), runner),
      device: p('target'),
      runner,
      log,
    });
    expect(r.bytes).toBe(IMAGE);
  });

  it('refuses raw and qcow2 images larger than the disk before writing anything', async () => {
    rawDisk(p('big.raw'), TARGET);
    sh('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', p('big.raw'), p('big.qcow2')]);
    for (const name of ['big.raw', 'big.qcow2']) {
      staleTarget(p('target'), IMAGE);
      const image = await detectImage(p(name), runner);
      runner.commands.length = 0;
      const e = await errorOf(writeDiskImage({ image, device: p('target'), runner, log }));
      expect(e.code, name).toBe('E_IMAGE_TOO_LARGE');
      expect(e.message, name).toBe(
        `the image holds 64 MiB (${TARGET} bytes), larger than disk ${p('target')} (32 MiB)`,
      );
      expect(untouched(p('target'), 0, IMAGE), name).toBe(true);
      expect(statSync(p('target')).size).toBe(IMAGE);
      expect(runner.commands).toEqual([]);
    }
  });

  it('stops a compressed stream at the disk size and refuses it', async () => {
    rawDisk(p('big.raw'), TARGET);
    sh('zstd', ['-q', p('big.raw'), '-o', p('big.raw.zst')]);
    staleTarget(p('target'), IMAGE);
    const e = await errorOf(
      writeDiskImage({
        image: await detectImage(p('big.raw.zst'), runner),
        device: p('target'),
        runner,
        log,
      }),
    );
    expect(e).toEqual({
      code: 'E_IMAGE_TOO_LARGE',
      message: `the zstd stream of the image decompresses to more than 32 MiB, larger than disk ${p('target')} (32 MiB)`,
    });
    expect(statSync(p('target')).size).toBe(IMAGE);
  });

  it('refuses a truncated zstd stream and a damaged xz stream', async () => {
    rawDisk(p('disk.raw'), IMAGE, 8 * MiB);
    sh('zstd', ['-q', '-k', p('disk.raw'), '-o', p('disk.raw.zst')]);
    truncateSync(p('disk.raw.zst'), Math.floor(statSync(p('disk.raw.zst')).size / 2));
    staleTarget(p('target'), TARGET);
    const image = await detectImage(p('disk.raw.zst'), runner);
    const e = await errorOf(writeDiskImage({ image, device: p('target'), runner, log }));
    expect(e.code).toBe('E_IMAGE_CORRUPT');
    expect(e.message).toMatch(/^the zstd stream of image .* is truncated or damaged \(exit 1: .*\)$/);
    expect(statSync(p('target')).size).toBe(TARGET);

    sh('xz', ['-k', '-1', '-T2', p('disk.raw')]);
    const xz = await detectImage(p('disk.raw.xz'), runner);
    const fd = openSync(p('disk.raw.xz'), 'r+');
    writeSync(fd, Buffer.alloc(64, 0x5a), 0, 64, Math.floor(statSync(p('disk.raw.xz')).size / 2));
    closeSync(fd);
    expect((await errorOf(writeDiskImage({ image: xz, device: p('target'), runner, log }))).code).toBe(
      'E_IMAGE_CORRUPT',
    );
  });

  it('refuses a compressed image whose content is not a disk image', async () => {
    writeFileSync(p('a'), 'a');
    sh('tar', ['-C', work.dir, '--zstd', '-cf', p('tree.tar.zst'), 'a']);
    staleTarget(p('target'), IMAGE);
    const forged: DetectedImage = { path: p('tree.tar.zst'), format: 'raw', compression: 'zstd' };
    const e = await errorOf(writeDiskImage({ image: forged, device: p('target'), runner, log }));
    expect(e.code).toBe('E_IMAGE_FORMAT');
    expect(untouched(p('target'), 0, IMAGE)).toBe(true);
    const tree = await detectImage(p('tree.tar.zst'), runner);
    expect(
      (await errorOf(writeDiskImage({ image: tree, device: p('target'), runner, log }))).message,
    ).toMatch(/a tarball image is unpacked into filesystems/);
  });

  it('refuses a target that is neither a file nor a block device, and never creates one', async () => {
    rawDisk(p('disk.raw'), 4 * MiB);
    const image = await detectImage(p('disk.raw'), runner);
    expect((await errorOf(writeDiskImage({ image, device: p('missing'), runner, log }))).code).toBe(
      'E_DISK_MISSING',
    );
    expect(() => statSync(p('missing'))).toThrow();
    expect((await errorOf(writeDiskImage({ image, device: '/dev/null', runner, log }))).code).toBe(
      'E_DISK_TYPE',
    );
  });

  it('stops and kills the decompressor when aborted', async () => {
    rawDisk(p('disk.raw'), 128 * MiB, 126 * MiB);
    sh('zstd', ['-q', '-1', p('disk.raw'), '-o', p('disk.raw.zst')]);
    staleTarget(p('target'), 128 * MiB);
    const ac = new AbortController();
    const image = await detectImage(p('disk.raw.zst'), runner);
    const e = await errorOf(
      writeDiskImage({
        image,
        device: p('target'),
        runner,
        log,
        signal: ac.signal,
        onProgress: () => ac.abort(),
      }),
    );
    expect(e.code).toBe('E_INTERRUPTED');
    // Every tool it started has exited: none is left as our child.
    const children = spawnSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8' }).stdout.trim();
    expect(children).toBe('');
  });
});

describe.skipIf(!isRoot)('writeDiskImage onto a block device', () => {
  let disk: DiskFile | undefined;
  let stack: CleanupStack | undefined;
  afterEach(async () => {
    const [s, d] = [stack, disk];
    stack = undefined;
    disk = undefined;
    await finishDisk(s, d);
  });

  it('writes a qcow2 and a zstd raw image onto a loop device, holes zeroed', async () => {
    disk = makeDiskFile(TARGET);
    staleTarget(disk.path, TARGET);
    stack = new CleanupStack(log);
    const { device } = await attachLoop(diskContext({ runner, stack, log }), disk.path);
    rawDisk(p('disk.raw'), IMAGE, 2 * MiB);
    sh('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', p('disk.raw'), p('disk.qcow2')]);
    sh('zstd', ['-q', '-k', p('disk.raw'), '-o', p('disk.raw.zst')]);
    const want = hashRange(p('disk.raw'), 0, IMAGE);
    for (const name of ['disk.qcow2', 'disk.raw.zst']) {
      const r = await writeDiskImage({ image: await detectImage(p(name), runner), device, runner, log });
      expect(r.bytes).toBe(IMAGE);
      expect(hashRange(device, 0, IMAGE), name).toBe(want);
      expect(untouched(device, IMAGE, TARGET), name).toBe(true);
      staleTarget(device, IMAGE);
    }
    expect(statSync(disk.path).size).toBe(TARGET);
  });
});
