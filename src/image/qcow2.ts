/**
 * Judging a qcow2 header before any tool opens the image (pure). An image is data, never a pointer
 * to other files: a backing file, an external data file, a backing-format extension, encryption, and
 * any header extension or incompatible feature we do not know are refused (E_IMAGE_UNSAFE), so that
 * qemu-img can never be made to open a host file because of what an image says.
 *
 * Layout (big-endian), from qemu's docs/interop/qcow2.txt: magic, version, backing_file_offset (8),
 * backing_file_size, cluster_bits, size (8), crypt_method, l1_size, l1_table_offset (8),
 * refcount_table_offset (8), refcount_table_clusters, nb_snapshots, snapshots_offset (8) = 72 bytes
 * (version 2); version 3 adds incompatible/compatible/autoclear features (8 each), refcount_order and
 * header_length. Header extensions follow the header (8-byte aligned), up to an end marker of type 0.
 */
import { OsError } from '../runtime/errors.js';
import { QCOW2_MAGIC } from './classify.js';
import type { Qcow2Info } from './types.js';

const V2_HEADER = 72;
const V3_MIN_HEADER = 104;

/** Incompatible feature bits qemu defines: dirty, corrupt, external data file, compression type, extended L2. */
const INCOMPAT_DIRTY = 1n << 0n;
const INCOMPAT_CORRUPT = 1n << 1n;
const INCOMPAT_DATA_FILE = 1n << 2n;
const INCOMPAT_KNOWN = (1n << 5n) - 1n;

const EXT_END = 0;
const EXT_BACKING_FORMAT = 0xe2792aca;
const EXT_FEATURE_TABLE = 0x6803f857;
const EXT_BITMAPS = 0x23852875;
const EXT_ENCRYPTION = 0x0537be77;
const EXT_DATA_FILE = 0x44415441;

const HINT_UNSAFE =
  'use a self-contained image: qemu-img convert -f qcow2 -O qcow2 SOURCE OUT makes one (on a machine you trust)';

function unsafe(what: string): OsError {
  return new OsError('E_IMAGE_UNSAFE', `the qcow2 image ${what}; refusing it`, { hint: HINT_UNSAFE });
}

function corrupt(what: string): OsError {
  return new OsError('E_IMAGE_CORRUPT', `the qcow2 header ${what}`, {
    hint: 'the image is truncated or damaged; fetch or make it again',
  });
}

/** A name read from the image, made safe for one log line. */
function shown(bytes: Buffer): string {
  const text = bytes.toString('latin1');
  const cut = text.length > 120 ? `${text.slice(0, 120)}...` : text;
  return JSON.stringify(cut);
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

/** Parse and judge the head of a qcow2 file (at least its header and header extensions). */
export function inspectQcow2Header(head: Buffer): Qcow2Info {
  if (head.length < 8 || !head.subarray(0, 4).equals(QCOW2_MAGIC)) throw corrupt('has no qcow2 magic');
  const version = head.readUInt32BE(4);
  if (version !== 2 && version !== 3)
    throw new OsError('E_IMAGE_QCOW2', `qcow2 version ${version} is not supported (only 2 and 3)`, {
      hint: 'convert the image with qemu-img convert -O qcow2 -o compat=1.1',
    });
  if (head.length < V2_HEADER) throw corrupt(`is truncated (${head.length} of ${V2_HEADER} bytes)`);

  const backingOffset = head.readBigUInt64BE(8);
  const backingSize = head.readUInt32BE(16);
  const clusterBits = head.readUInt32BE(20);
  const size = head.readBigUInt64BE(24);
  const cryptMethod = head.readUInt32BE(32);

  let headerLength = V2_HEADER;
  let incompatible = 0n;
  if (version === 3) {
    if (head.length < V3_MIN_HEADER) throw corrupt(`is truncated (${head.length} of ${V3_MIN_HEADER} bytes)`);
    incompatible = head.readBigUInt64BE(72);
    headerLength = head.readUInt32BE(100);
    if (headerLength < V3_MIN_HEADER || headerLength % 8 !== 0)
      throw corrupt(`has an invalid header length ${headerLength}`);
  }
  if (clusterBits < 9 || clusterBits > 21) throw corrupt(`has an invalid cluster size (2^${clusterBits})`);
  const clusterSize = 2 ** clusterBits;
  if (headerLength > clusterSize) throw corrupt(`is longer than its first cluster`);

  if (backingOffset !== 0n || backingSize !== 0) {
    const off = Number(backingOffset);
    const name =
      backingOffset < BigInt(head.length) && off + Math.min(backingSize, 1024) <= head.length
        ? ` ${shown(head.subarray(off, off + Math.min(backingSize, 1024)))}`
        : '';
    throw unsafe(`has a backing file${name}`);
  }
  if (cryptMethod !== 0) throw unsafe(`is encrypted (method ${cryptMethod})`);
  if (incompatible & INCOMPAT_DATA_FILE) throw unsafe('uses an external data file');
  const unknown = incompatible & ~INCOMPAT_KNOWN;
  if (unknown !== 0n) throw unsafe(`has unknown incompatible features (0x${unknown.toString(16)})`);
  if (incompatible & INCOMPAT_CORRUPT)
    throw new OsError('E_IMAGE_CORRUPT', 'the qcow2 image is marked corrupt', {
      hint: 'repair it with qemu-img check -r all on a copy, or make it again',
    });

  checkExtensions(head, headerLength, clusterSize);

  if (size === 0n || size > BigInt(Number.MAX_SAFE_INTEGER))
    throw corrupt(`has an invalid virtual size (${size})`);
  return {
    version,
    virtualSize: Number(size),
    clusterBits,
    headerLength,
    dirty: (incompatible & INCOMPAT_DIRTY) !== 0n,
  };
}

/** Walk the header extensions: only the feature-name table and bitmaps are accepted. */
function checkExtensions(head: Buffer, start: number, clusterSize: number): void {
  let off = start;
  for (;;) {
    if (off + 8 > clusterSize) throw corrupt('has header extensions past its first cluster');
    if (off + 8 > head.length) throw corrupt(`is truncated inside its header extensions (byte ${off})`);
    const type = head.readUInt32BE(off);
    const length = head.readUInt32BE(off + 4);
    if (type === EXT_END) return;
    const data = off + 8;
    const end = data + Math.ceil(length / 8) * 8;
    if (end > clusterSize) throw corrupt(`has a header extension (${hex(type)}) past its first cluster`);
    if (end > head.length) throw corrupt(`is truncated inside header extension ${hex(type)}`);
    switch (type) {
      case EXT_FEATURE_TABLE:
      case EXT_BITMAPS:
        break;
      case EXT_DATA_FILE:
        throw unsafe(`names an external data file ${shown(head.subarray(data, data + length))}`);
      case EXT_BACKING_FORMAT:
        throw unsafe(`names a backing file format ${shown(head.subarray(data, data + length))}`);
      case EXT_ENCRYPTION:
        throw unsafe('carries an encryption header');
      default:
        throw unsafe(`has an unknown header extension ${hex(type)}`);
    }
    off = end;
  }
}
