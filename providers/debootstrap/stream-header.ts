/**
 * The export stream of one disk: a 4 KiB header, then either a tar of the disk's files (`tree`,
 * any filesystem) or the disk's raw bytes (`raw`, a disk with no filesystem we can read). The header
 * says which, and carries what import needs to rebuild the disk (filesystem, UUIDs).
 */
import { readSync, writeSync } from 'node:fs';
import { OsError } from '../../src/runtime/errors.js';

export const HEADER_SIZE = 4096;
const MAGIC = 'GANETI-OS-STREAM 1\n';

export interface StreamHeader {
  kind: 'tree' | 'raw';
  /** Disk index in the exported instance. */
  index: number;
  /** Filesystem of the exported tree (tree streams). */
  filesystem?: string;
  /** UUID of the exported filesystem, kept for data disks so the guest's fstab stays valid. */
  uuid?: string;
  /** Size of the exported disk in bytes. */
  sizeBytes: number;
  /** OS and variant it came from. */
  os: string;
}

export function encodeHeader(h: StreamHeader): Buffer {
  const text = MAGIC + JSON.stringify(h) + '\n';
  if (Buffer.byteLength(text) > HEADER_SIZE) throw new OsError('E_INTERNAL', 'stream header too large');
  const buf = Buffer.alloc(HEADER_SIZE);
  buf.write(text);
  return buf;
}

export function decodeHeader(buf: Buffer): StreamHeader {
  const text = buf.toString('utf8').replace(/\0+$/, '');
  if (!text.startsWith(MAGIC)) {
    throw new OsError('E_STREAM_FORMAT', 'the import stream was not written by the ganeti-os debootstrap export', {
      hint: 'import exports of this provider only; a raw disk image belongs to the noop or image provider',
    });
  }
  try {
    const h = JSON.parse(text.slice(MAGIC.length).trim()) as StreamHeader;
    if (h.kind !== 'tree' && h.kind !== 'raw') throw new Error(`unknown kind ${String(h.kind)}`);
    return h;
  } catch (e) {
    throw new OsError('E_STREAM_FORMAT', `the import stream header is damaged (${(e as Error).message})`, { hint: 'export the instance again' });
  }
}

export function writeHeader(fd: number, h: StreamHeader): void {
  const buf = encodeHeader(h);
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

/** Read exactly the header from `fd` (a pipe may deliver it in pieces); nothing more is consumed. */
export function readHeader(fd: number): StreamHeader {
  const buf = Buffer.alloc(HEADER_SIZE);
  let off = 0;
  while (off < HEADER_SIZE) {
    let n: number;
    try {
      n = readSync(fd, buf, off, HEADER_SIZE - off, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw e;
    }
    if (n === 0) throw new OsError('E_STREAM_FORMAT', `the import stream ended after ${off} bytes, inside its header`, { hint: 'the export is empty or truncated' });
    off += n;
  }
  return decodeHeader(buf);
}
