/**
 * writeDiskImage: put a raw (plain or compressed) or qcow2 image onto a disk, never creating,
 * truncating or growing the target. The image file is opened and judged again here, and tools read
 * that very descriptor, so what is written is what was inspected.
 *
 * - Plain raw and qcow2 go through `qemu-img convert -f raw|qcow2 -O raw -n`: the format is always
 *   given, the target is used as it is (-n), and since qemu-img cannot assume an existing target
 *   reads as zeros it writes zeroes (write-zeroes, i.e. a punched hole on a file and BLKZEROOUT on a
 *   device) wherever the image has holes, so a reused volume never shows old data up to the image's
 *   size. The image must fit the disk before anything is written. qcow2 is read with O_DIRECT
 *   (`-T none`) where the filesystem allows it: qemu-img's buffered qcow2 reads (64 KiB clusters,
 *   several threads) cost seconds of CPU per GiB even from a warm page cache, and the image then
 *   does not push the node's guests out of it. Plain raw is read buffered (large sequential reads
 *   that readahead serves faster than O_DIRECT).
 * - Compressed raw is decompressed by gzip, xz or zstd straight from the image descriptor and
 *   written here in 4 MiB blocks at explicit offsets: every byte up to the decompressed size is
 *   written (zeros too), decompression stops at the disk's size, and a longer stream is
 *   E_IMAGE_TOO_LARGE; a damaged or truncated stream is E_IMAGE_CORRUPT.
 *
 * Bytes past the image's size are left as they were.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isOsError, OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { Runner } from '../process/types.js';
import { opensDirect } from '../disk/fs-image.js';
import { deviceSize } from '../stream/raw.js';
import { classifyHead, HEAD_BYTES } from './classify.js';
import { decompressArgv, openImageFile, readHead, type OpenedImage } from './file.js';
import { inspectQcow2Header } from './qcow2.js';
import { describeExit, exitedOk, spawnTool } from './spawn.js';
import { BlockWriter } from './block-writer.js';
import { describeImage, type Compression, type DetectedImage } from './types.js';

const MiB = 1024 * 1024;

export interface WriteDiskImageOptions {
  image: DetectedImage;
  device: string;
  runner: Runner;
  log: Logger;
  signal?: AbortSignal;
  onProgress?: (done: number, total?: number) => void;
}

const mib = (n: number): string => `${(n / MiB).toFixed(n % MiB === 0 ? 0 : 1)} MiB`;

function tooLarge(what: string, device: string, disk: number): OsError {
  return new OsError('E_IMAGE_TOO_LARGE', `${what}, larger than disk ${device} (${mib(disk)})`, {
    hint: 'give the instance a larger disk (gnt-instance add --disk 0:size=...) or use a smaller image',
  });
}

function interrupted(): OsError {
  return new OsError('E_INTERRUPTED', 'writing the image was aborted');
}

/**
 * The image's head, judged again, and the size it will occupy (undefined: not known before
 * decompressing), checked against the disk before writing.
 */
function judgeAgain(o: WriteDiskImageOptions, img: OpenedImage): { head: Buffer; size: number | undefined } {
  const { image } = o;
  if (image.format !== 'raw' && image.format !== 'qcow2')
    throw new OsError(
      'E_IMAGE_FORMAT',
      `a ${image.format} image is unpacked into filesystems, not written to a disk`,
      {
        hint: 'write tree images with the disk layer (prepareDisk) and unpack them',
      },
    );
  const head = readHead(img.fd, HEAD_BYTES);
  const now = classifyHead(head);
  const same =
    now.compression === image.compression && (now.format === 'compressed' || now.format === image.format);
  if (!same)
    throw new OsError('E_IMAGE_FORMAT', `image ${image.path} changed since it was inspected`, {
      hint: 'do not modify images while instances are being created from them',
    });
  if (image.format === 'qcow2') {
    if (image.compression !== 'none')
      throw new OsError('E_IMAGE_FORMAT', `a ${describeImage('qcow2', image.compression)} is not supported`, {
        hint: 'decompress the qcow2 image first',
      });
    return { head, size: inspectQcow2Header(head).virtualSize };
  }
  return { head, size: image.compression === 'none' ? img.size : undefined };
}

export async function writeDiskImage(o: WriteDiskImageOptions): Promise<{ bytes: number }> {
  const device = resolve(o.device);
  const disk = Number(deviceSize(device));
  if (o.signal?.aborted) throw interrupted();
  const img = openImageFile(o.image.path);
  try {
    const { head, size } = judgeAgain(o, img);
    if (size !== undefined && size > disk)
      throw tooLarge(`the image holds ${mib(size)} (${size} bytes)`, device, disk);
    o.log.debug(`writing ${describeImage(o.image.format, o.image.compression)} ${o.image.path} to ${device}`);
    if (o.image.compression === 'none') {
      await qemuConvert(o, img, device, size!);
      return { bytes: size! };
    }
    return { bytes: await streamDecompressed(o, img, head, device, disk) };
  } finally {
    img.close();
  }
}

/** qemu-img -p prints "    (12.34/100%)" lines; the last percentage in a chunk. */
export function parseQemuProgress(text: string): number | undefined {
  const all = [...text.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)];
  const last = all.at(-1);
  return last ? Number(last[1]) : undefined;
}

async function qemuConvert(
  o: WriteDiskImageOptions,
  img: OpenedImage,
  device: string,
  size: number,
): Promise<void> {
  const direct = o.image.format === 'qcow2' && opensDirect(`/proc/self/fd/${img.fd}`);
  const tool = spawnTool(
    [
      'qemu-img',
      'convert',
      '-p',
      '-f',
      o.image.format,
      ...(direct ? ['-T', 'none'] : []),
      '-O',
      'raw',
      '-n',
      '/dev/fd/3',
      device,
    ],
    { stdout: 'pipe', extraFds: [img.fd], log: o.log, ...(o.signal ? { signal: o.signal } : {}) },
  );
  try {
    tool.stdout!.setEncoding('utf8');
    for await (const chunk of tool.stdout!) {
      const pct = parseQemuProgress(chunk as string);
      if (pct !== undefined) o.onProgress?.(Math.round((size * pct) / 100), size);
    }
  } catch (e) {
    // Only on our own failure: a qemu-img that closed its output may still be flushing the target.
    tool.kill();
    await tool.exited;
    throw e;
  }
  const exit = await tool.exited;
  if (o.signal?.aborted) throw interrupted();
  if (!exitedOk(exit)) {
    const reading = /error while reading|could not read|image is corrupt|corrupt/i.test(exit.stderrTail);
    throw new OsError(
      reading ? 'E_IMAGE_CORRUPT' : 'E_IMAGE_WRITE',
      `qemu-img convert of ${o.image.path} to ${device} failed (${describeExit(exit)})`,
      {
        hint: reading
          ? 'the image is damaged; check it with qemu-img check, or fetch it again'
          : `check that ${device} is writable and not in use`,
      },
    );
  }
}

async function streamDecompressed(
  o: WriteDiskImageOptions,
  img: OpenedImage,
  head: Buffer,
  device: string,
  disk: number,
): Promise<number> {
  const c = o.image.compression as Exclude<Compression, 'none'>;
  // No O_CREAT, no O_TRUNC: the target is used as it is.
  const out: FileHandle = await open(device, constants.O_WRONLY);
  const tool = spawnTool(decompressArgv(c), {
    stdin: img.fd,
    stdout: 'pipe',
    log: o.log,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const writer = new BlockWriter(out, {
    target: device,
    limit: disk,
    checkBytes: HEAD_BYTES,
    // The content must be a disk image, whatever it decompresses to.
    check: (first) => {
      const cls = classifyHead(head, first);
      if (cls.format !== 'raw')
        throw new OsError(
          'E_IMAGE_FORMAT',
          `image ${o.image.path} decompresses to a ${cls.format}, not a disk image`,
          {
            hint: `declare the image as ${cls.format}`,
          },
        );
    },
    onProgress: (done) => o.onProgress?.(done, o.image.virtualSize),
  });
  let overflow = false;
  try {
    for await (const chunk of tool.stdout! as AsyncIterable<Buffer>) {
      if (!(await writer.push(chunk))) {
        overflow = true;
        break;
      }
    }
    if (o.signal?.aborted) throw interrupted();
    if (overflow) {
      await writer.finish();
      await out.sync();
      throw tooLarge(`the ${c} stream of the image decompresses to more than ${mib(disk)}`, device, disk);
    }
    const exit = await tool.exited;
    if (o.signal?.aborted) throw interrupted();
    const broken = (): OsError =>
      new OsError(
        'E_IMAGE_CORRUPT',
        `the ${c} stream of image ${o.image.path} is truncated or damaged (${describeExit(exit)})`,
        { hint: 'fetch or make the image again' },
      );
    let written: number;
    try {
      written = await writer.finish();
    } catch (e) {
      // A stream that broke before yielding anything is damaged, not of another format.
      if (!exitedOk(exit) && isOsError(e) && e.code.startsWith('E_IMAGE_')) throw broken();
      throw e;
    }
    if (!exitedOk(exit)) throw broken();
    await out.sync();
    o.log.debug(`wrote ${written} bytes to ${device}`);
    return written;
  } finally {
    tool.kill();
    tool.stdout?.destroy();
    await tool.exited;
    await writer.settle();
    await out.close();
  }
}
