/**
 * Opening an image file safely and reading its first bytes, decompressed when it is compressed.
 * The file is opened once with O_NOFOLLOW and O_NONBLOCK (a FIFO never blocks us) and must be a
 * regular file; what is read is read from that descriptor, and tools are handed the same descriptor,
 * so what was inspected is what gets used.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { describeExit, spawnTool } from './spawn.js';
import type { Compression } from './types.js';

export interface OpenedImage {
  fd: number;
  size: number;
  close(): void;
}

function kindOf(st: ReturnType<typeof fstatSync>): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** Open `path` read-only: a missing file is E_IMAGE_MISSING, a symlink or non-regular file E_IMAGE_UNSAFE. */
export function openImageFile(path: string): OpenedImage {
  let fd: number;
  try {
    fd = openSync(
      path,
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY,
    );
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new OsError('E_IMAGE_MISSING', `image ${path} does not exist`, {
        hint: 'check the variant source and image-dir, or the image parameter',
      });
    if (code === 'ELOOP')
      throw new OsError('E_IMAGE_UNSAFE', `image ${path} is a symlink; refusing to follow it`, {
        hint: 'point the variant at the image file itself',
      });
    throw new OsError('E_IMAGE', `cannot open image ${path} (${code ?? 'error'})`, {
      hint: 'check the permissions of the image file',
    });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile())
      throw new OsError('E_IMAGE_UNSAFE', `image ${path} is ${kindOf(st)}; only regular files are read`, {
        hint: 'point the variant at an image file',
      });
    return {
      fd,
      size: st.size,
      close: () => closeSync(fd),
    };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Up to `bytes` bytes from the start of the file (positional reads: the file offset stays at 0). */
export function readHead(fd: number, bytes: number): Buffer {
  const buf = Buffer.alloc(bytes);
  let off = 0;
  while (off < bytes) {
    const n = readSync(fd, buf, off, bytes - off, off);
    if (n === 0) break;
    off += n;
  }
  return buf.subarray(0, off);
}

/** Decompressor argv reading stdin and writing stdout, memory bounded. */
export function decompressArgv(c: Exclude<Compression, 'none'>): string[] {
  switch (c) {
    case 'gzip':
      return ['gzip', '-d', '-c'];
    case 'xz':
      return ['xz', '-d', '-c', '-q', '-T0', '--memlimit-decompress=1GiB'];
    case 'zstd':
      // zstd refuses frames needing a window over 128 MiB unless --memory says otherwise: keep that.
      return ['zstd', '-d', '-c', '-q'];
  }
}

function corruptStream(c: Compression, why: string): OsError {
  return new OsError('E_IMAGE_CORRUPT', `the ${c} stream of the image is damaged (${why})`, {
    hint: 'fetch or make the image again',
  });
}

/**
 * The first `bytes` bytes of the decompressed content (fewer if it is shorter). Stops decompressing
 * once it has them. A stream that yields nothing at all is E_IMAGE_CORRUPT; one that breaks later
 * is left for the writer to find.
 */
export async function peekDecompressed(
  fd: number,
  c: Exclude<Compression, 'none'>,
  bytes: number,
  log?: Logger,
): Promise<Buffer> {
  return c === 'gzip' ? gunzipHead(fd, bytes) : toolHead(fd, c, bytes, log);
}

function gunzipHead(fd: number, want: number): Promise<Buffer> {
  const gz = createGunzip();
  const out: Buffer[] = [];
  let have = 0;
  let pos = 0;
  return new Promise<Buffer>((resolve, reject) => {
    let done = false;
    const finish = (err?: OsError): void => {
      if (done) return;
      done = true;
      gz.destroy();
      if (err) reject(err);
      else resolve(Buffer.concat(out).subarray(0, want));
    };
    gz.on('data', (c: Buffer) => {
      out.push(c);
      have += c.length;
      if (have >= want) finish();
    });
    gz.on('end', () => finish());
    gz.on('error', (e) => (have > 0 ? finish() : finish(corruptStream('gzip', e.message))));
    const feed = (): void => {
      if (done) return;
      const buf = Buffer.alloc(64 * 1024);
      const n = readSync(fd, buf, 0, buf.length, pos);
      pos += n;
      if (n === 0) gz.end();
      else if (gz.write(buf.subarray(0, n))) setImmediate(feed);
      else gz.once('drain', feed);
    };
    feed();
  });
}

async function toolHead(fd: number, c: 'xz' | 'zstd', want: number, log?: Logger): Promise<Buffer> {
  const tool = spawnTool(decompressArgv(c), { stdin: fd, stdout: 'pipe', ...(log ? { log } : {}) });
  const out: Buffer[] = [];
  let have = 0;
  try {
    for await (const chunk of tool.stdout!) {
      out.push(chunk as Buffer);
      have += (chunk as Buffer).length;
      if (have >= want) break;
    }
  } finally {
    tool.kill();
    tool.stdout?.destroy();
  }
  const exit = await tool.exited;
  if (have === 0 && !exit.killed && (exit.code !== 0 || exit.spawnError !== undefined))
    throw corruptStream(c, describeExit(exit));
  return Buffer.concat(out).subarray(0, want);
}
