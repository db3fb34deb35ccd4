/**
 * detectImage on real files: every format and compression is recognised from content; qcow2 images
 * that name other files are refused before any tool opens them (the backing file is a FIFO nobody
 * may open); non-regular files, symlinks, missing files and a declared format that differs are
 * refused.
 */
import { constants, mkdirSync, openSync, symlinkSync, writeFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectImage } from '../../../src/image/index.js';
import { Logger, MemorySink } from '../../../src/runtime/logger.js';
import { isRoot } from '../../helpers/disk.js';
import { dumpOf, errorOf, MiB, rawDisk, RecordingRunner, sh, tempDir } from './fixtures.js';

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

/** Nobody holds the FIFO open for reading (opening it for writing without blocking fails with ENXIO). */
function fifoUnread(path: string): boolean {
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENXIO';
  }
}

describe.skipIf(!isRoot)('detectImage', () => {
  it('recognises raw, compressed raw, qcow2, tarballs and dumps from their content', async () => {
    rawDisk(p('disk.raw'), 32 * MiB);
    sh('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', p('disk.raw'), p('disk.qcow2')]);
    sh('zstd', ['-q', '-k', p('disk.raw'), '-o', p('disk.raw.zst')]);
    sh('xz', ['-k', '-T2', p('disk.raw')]);
    sh('gzip', ['-k', p('disk.raw')]);
    mkdirSync(p('tree/etc'), { recursive: true });
    writeFileSync(p('tree/etc/hostname'), 'golden\n');
    sh('tar', ['-C', p('tree'), '--zstd', '-cf', p('tree.tar.zst'), '.']);
    sh('tar', ['-C', p('tree'), '-cf', p('tree.tar'), '.']);
    sh('tar', ['-C', p('tree'), '-czf', p('tree.tar.gz'), '.']);
    dumpOf(p('tree'), p('root.dump'), work.dir);
    sh('xz', ['-k', p('root.dump')]);

    const d = (name: string, declared?: Parameters<typeof detectImage>[2]) =>
      detectImage(p(name), runner, declared);
    expect(await d('disk.raw', 'raw')).toEqual({
      path: p('disk.raw'),
      format: 'raw',
      compression: 'none',
      virtualSize: 32 * MiB,
    });
    expect(await d('disk.qcow2', 'qcow2')).toEqual({
      path: p('disk.qcow2'),
      format: 'qcow2',
      compression: 'none',
      virtualSize: 32 * MiB,
    });
    for (const [name, compression] of [
      ['disk.raw.zst', 'zstd'],
      ['disk.raw.xz', 'xz'],
      ['disk.raw.gz', 'gzip'],
    ] as const)
      expect(await d(name)).toEqual({ path: p(name), format: 'raw', compression });
    expect(await d('tree.tar.zst', 'tarball')).toMatchObject({ format: 'tarball', compression: 'zstd' });
    expect(await d('tree.tar')).toMatchObject({ format: 'tarball', compression: 'none' });
    expect(await d('tree.tar.gz')).toMatchObject({ format: 'tarball', compression: 'gzip' });
    expect(await d('root.dump', 'dump')).toMatchObject({ format: 'dump', compression: 'none' });
    expect(await d('root.dump.xz')).toMatchObject({ format: 'dump', compression: 'xz' });
    // qemu-img gave its second opinion on the qcow2, with the format given and under limits.
    const qemu = runner.commands.filter((c) => c.includes('qemu-img'));
    expect(qemu).toHaveLength(2);
    for (const [i, sub] of ['info', 'check'].entries())
      expect(qemu[i]).toMatch(
        new RegExp(
          `^prlimit --as=\\d+ --cpu=\\d+ -- qemu-img ${sub} -f qcow2 --output=json /proc/\\d+/fd/\\d+$`,
        ),
      );
  });

  it('refuses a truncated qcow2, which qemu-img convert would read as zeros', async () => {
    rawDisk(p('disk.raw'), 32 * MiB, 8 * MiB);
    sh('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', p('disk.raw'), p('disk.qcow2')]);
    sh('truncate', ['-s', '4M', p('disk.qcow2')]);
    const e = await errorOf(detectImage(p('disk.qcow2'), runner));
    expect(e.code).toBe('E_IMAGE_CORRUPT');
    expect(e.message).toMatch(/^the qcow2 image is damaged \(qemu-img check finds \d+ corruptions\)$/);
  });

  it('refuses a qcow2 with a backing file before any tool opens it, and never reads the backing file', async () => {
    sh('mkfifo', [p('secret')]);
    sh('qemu-img', [
      'create',
      '-q',
      '-f',
      'qcow2',
      '-u',
      '-b',
      p('secret'),
      '-F',
      'raw',
      p('backed.qcow2'),
      '64M',
    ]);
    const e = await errorOf(detectImage(p('backed.qcow2'), runner, 'qcow2'));
    expect(e).toEqual({
      code: 'E_IMAGE_UNSAFE',
      message: `the qcow2 image has a backing file ${JSON.stringify(p('secret'))}; refusing it`,
    });
    expect(runner.commands).toEqual([]);
    expect(fifoUnread(p('secret'))).toBe(true);
  });

  it('refuses a qcow2 with an external data file', async () => {
    writeFileSync(p('data.raw'), '');
    sh('qemu-img', [
      'create',
      '-q',
      '-f',
      'qcow2',
      '-o',
      `data_file=${p('data.raw')}`,
      p('data.qcow2'),
      '64M',
    ]);
    const e = await errorOf(detectImage(p('data.qcow2'), runner));
    expect(e.code).toBe('E_IMAGE_UNSAFE');
    expect(e.message).toMatch(/^the qcow2 image uses an external data file; refusing it$/);
    expect(runner.commands).toEqual([]);
  });

  it('refuses a declared format that differs from the content, naming both', async () => {
    mkdirSync(p('tree'));
    writeFileSync(p('tree/a'), 'a');
    sh('tar', ['-C', p('tree'), '--zstd', '-cf', p('image.qcow2'), '.']);
    expect(await errorOf(detectImage(p('image.qcow2'), runner, 'qcow2'))).toEqual({
      code: 'E_IMAGE_FORMAT',
      message: 'declared qcow2 but the file is a zstd tarball',
    });
    rawDisk(p('disk.raw'), 4 * MiB);
    expect((await errorOf(detectImage(p('disk.raw'), runner, 'dump'))).message).toBe(
      'declared dump but the file is a raw disk image',
    );
  });

  it('refuses missing files, symlinks, FIFOs and directories without blocking', async () => {
    expect((await errorOf(detectImage(p('nope.img'), runner))).code).toBe('E_IMAGE_MISSING');
    rawDisk(p('disk.raw'), 4 * MiB);
    symlinkSync(p('disk.raw'), p('link.raw'));
    expect(await errorOf(detectImage(p('link.raw'), runner))).toMatchObject({
      code: 'E_IMAGE_UNSAFE',
      message: expect.stringMatching(/is a symlink/) as string,
    });
    sh('mkfifo', [p('fifo.raw')]);
    expect((await errorOf(detectImage(p('fifo.raw'), runner))).message).toMatch(
      /is a FIFO; only regular files/,
    );
    expect((await errorOf(detectImage(work.dir, runner))).message).toMatch(/is a directory/);
    expect((await errorOf(detectImage('/dev/zero', runner))).message).toMatch(/is a character device/);
  });

  it('refuses corrupt and unknown content', async () => {
    writeFileSync(p('page.img'), '<!DOCTYPE html><html><body>404 Not Found</body></html>\n');
    expect((await errorOf(detectImage(p('page.img'), runner))).code).toBe('E_IMAGE_FORMAT');
    writeFileSync(
      p('bad.zst'),
      Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(64, 0xff)]),
    );
    expect((await errorOf(detectImage(p('bad.zst'), runner))).code).toBe('E_IMAGE_CORRUPT');
    writeFileSync(p('empty.img'), '');
    expect((await errorOf(detectImage(p('empty.img'), runner))).message).toBe('the image is empty');
  });
});
