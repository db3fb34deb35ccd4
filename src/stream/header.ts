/**
 * The export stream of one disk: a 4 KiB header, then either a tar of the disk's files (`tree`,
 * any filesystem) or the disk's raw bytes (`raw`, a disk with no filesystem we can read). The header
 * says which, and carries what import needs to rebuild the disk (filesystem, UUIDs).
 */
import { readSync, writeSync } from 'node:fs';
import { OsError } from '../runtime/errors.js';

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
  /** Label of the exported filesystem (kept with the UUID for providers that ask: keepRootIdentity). */
  label?: string;
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
    throw new OsError('E_STREAM_FORMAT', 'the import stream was not written by a ganeti-os export', {
      hint: 'import exports of a ganeti-os Linux provider (or a dump(8) export of instance-debootstrap); raw disk images go to the noop provider',
    });
  }
  try {
    const h = JSON.parse(text.slice(MAGIC.length).trim()) as StreamHeader;
    if (h.kind !== 'tree' && h.kind !== 'raw') throw new Error(`unknown kind ${String(h.kind)}`);
    return h;
  } catch (e) {
    throw new OsError('E_STREAM_FORMAT', `the import stream header is damaged (${(e as Error).message})`, {
      hint: 'export the instance again',
    });
  }
}

export function writeHeader(fd: number, h: StreamHeader): void {
  const buf = encodeHeader(h);
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

/**
 * dump(8)'s first record (TS_TAPE) carries NFS_MAGIC (60012) at byte 24, in the byte order of the
 * machine that wrote it: what instance-debootstrap's export (`dump -0 -f -` of the root
 * filesystem) writes.
 */
export function isDumpStream(head: Buffer): boolean {
  if (head.length < 28) return false;
  return head.readUInt32LE(24) === 60012 || head.readUInt32BE(24) === 60012;
}

export type StreamStart =
  | { format: 'ganeti-os'; header: StreamHeader }
  /** A dump(8) stream; `head` holds its first bytes, already read from the fd. */
  | { format: 'dump'; head: Buffer };

/** Read the start of an import stream: our header, or the first record of a dump(8) stream. */
export function readStreamStart(fd: number): StreamStart {
  const head = readExactly(fd, HEADER_SIZE);
  if (!head.subarray(0, MAGIC.length).equals(Buffer.from(MAGIC)) && isDumpStream(head))
    return { format: 'dump', head };
  return { format: 'ganeti-os', header: decodeHeader(head) };
}

/** Read exactly `size` bytes from `fd` (a pipe may deliver them in pieces); nothing more is consumed. */
function readExactly(fd: number, size: number): Buffer {
  const buf = Buffer.alloc(size);
  let off = 0;
  while (off < size) {
    let n: number;
    try {
      n = readSync(fd, buf, off, size - off, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw e;
    }
    if (n === 0)
      throw new OsError('E_STREAM_FORMAT', `the import stream ended after ${off} bytes, inside its header`, {
        hint: 'the export is empty or truncated',
      });
    off += n;
  }
  return buf;
}
