/**
 * Recognising an image from its first bytes (pure). Compressors and qcow2 are known by their magic;
 * tar by the ustar magic at byte 257 and a valid header checksum; dump(8) by the NFS magic of its
 * first TP_BSIZE record and that record's checksum; a raw disk image by an MBR boot signature, a GPT
 * header, or a filesystem superblock at the start of the disk (ext2/3/4, xfs, btrfs). Everything else,
 * including disk formats that are not supported (vmdk, vdi, vhd(x), qed), is refused by name.
 */
import { isDumpStream } from '../stream/header.js';
import { OsError } from '../runtime/errors.js';
import { describeImage, type Compression, type HeadClass } from './types.js';

/** Bytes of the head to read before classifying: the btrfs superblock sits at 64 KiB + 64. */
export const HEAD_BYTES = 128 * 1024;

const at = (b: Buffer, offset: number, magic: Buffer | string): boolean => {
  const m = typeof magic === 'string' ? Buffer.from(magic, 'latin1') : magic;
  return b.length >= offset + m.length && b.subarray(offset, offset + m.length).equals(m);
};

const COMPRESSORS: readonly [Compression, Buffer][] = [
  ['gzip', Buffer.from([0x1f, 0x8b, 0x08])],
  ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
  ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd])],
];

/** Formats we recognise only to refuse them with a useful message. */
const UNSUPPORTED: readonly { name: string; test: (b: Buffer) => boolean }[] = [
  {
    name: 'bzip2-compressed',
    test: (b) => at(b, 0, 'BZh') && b.length > 3 && b[3]! >= 0x31 && b[3]! <= 0x39,
  },
  { name: 'lz4-compressed', test: (b) => at(b, 0, Buffer.from([0x04, 0x22, 0x4d, 0x18])) },
  { name: 'vmdk', test: (b) => at(b, 0, 'KDMV') || at(b, 0, '# Disk DescriptorFile') },
  { name: 'vdi', test: (b) => b.length >= 68 && b.readUInt32LE(64) === 0xbeda107f },
  { name: 'vhdx', test: (b) => at(b, 0, 'vhdxfile') },
  { name: 'vhd', test: (b) => at(b, 0, 'conectix') },
  { name: 'qed', test: (b) => at(b, 0, 'QED\0') },
];

export const QCOW2_MAGIC = Buffer.from('QFI\xfb', 'latin1');

/** A POSIX or GNU tar header: ustar magic at 257 and a matching header checksum. */
export function isTarHeader(b: Buffer): boolean {
  if (b.length < 512 || !at(b, 257, 'ustar')) return false;
  const field = b
    .subarray(148, 156)
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .trim();
  if (!/^[0-7]+$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : b[i]!;
  return sum === parseInt(field, 8);
}

/** The first TP_BSIZE (1024-byte) record of dump(8): NFS magic at 24 and its 32-bit word sum 84446. */
export function isDumpHeader(b: Buffer): boolean {
  if (b.length < 1024 || !isDumpStream(b)) return false;
  const le = b.readUInt32LE(24) === 60012;
  let sum = 0;
  for (let i = 0; i < 1024; i += 4) sum = (sum + (le ? b.readUInt32LE(i) : b.readUInt32BE(i))) >>> 0;
  return sum === 84446;
}

/** Which disk signature the head of a raw image carries, if any. */
export function rawSignature(b: Buffer): string | undefined {
  if (at(b, 512, 'EFI PART') || at(b, 4096, 'EFI PART')) return 'gpt';
  if (b.length >= 512 && b[510] === 0x55 && b[511] === 0xaa) return 'mbr';
  if (b.length >= 1082 && b.readUInt16LE(1080) === 0xef53) return 'ext';
  if (at(b, 0, 'XFSB')) return 'xfs';
  if (at(b, 0x10040, '_BHRfS_M')) return 'btrfs';
  return undefined;
}

function classifyPlain(b: Buffer): HeadClass['format'] | Compression {
  if (at(b, 0, QCOW2_MAGIC)) return 'qcow2';
  for (const [name, magic] of COMPRESSORS) if (at(b, 0, magic)) return name;
  for (const u of UNSUPPORTED) {
    if (u.test(b))
      throw new OsError('E_IMAGE_FORMAT', `the image is a ${u.name} file, which is not supported`, {
        hint: 'convert it to raw or qcow2 (qemu-img convert -O qcow2), or recompress it with zstd, xz or gzip',
      });
  }
  if (isTarHeader(b)) return 'tarball';
  if (isDumpHeader(b)) return 'dump';
  if (rawSignature(b) !== undefined) return 'raw';
  throw new OsError(
    'E_IMAGE_FORMAT',
    b.length === 0
      ? 'the image is empty'
      : 'the image is no known format (no qcow2, gzip, xz, zstd, tar, dump(8), partition table or filesystem signature)',
    {
      hint: 'use a dump, a tarball, a raw disk image (partitioned or a bare ext4/xfs/btrfs) or a qcow2 image',
    },
  );
}

const isCompression = (v: string): v is Compression => v === 'gzip' || v === 'xz' || v === 'zstd';

/**
 * Classify the head of an image file. For a compressed file, pass the first bytes of its
 * decompressed content as `inner` to learn what it holds; without it the answer is 'compressed'.
 * Unknown or unsupported content is E_IMAGE_FORMAT.
 */
export function classifyHead(head: Buffer, inner?: Buffer): HeadClass {
  const outer = classifyPlain(head);
  if (!isCompression(outer)) return { format: outer, compression: 'none' };
  if (inner === undefined) return { format: 'compressed', compression: outer };
  if (inner.length === 0)
    throw new OsError('E_IMAGE_CORRUPT', `the ${outer} stream of the image holds no data`, {
      hint: 'the image is empty or damaged; make it again',
    });
  const content = classifyPlain(inner);
  if (isCompression(content))
    throw new OsError('E_IMAGE_FORMAT', `the image is ${content} data compressed again with ${outer}`, {
      hint: 'compress the image once',
    });
  if (content === 'qcow2')
    throw new OsError(
      'E_IMAGE_FORMAT',
      `the image is a ${describeImage('qcow2', outer)}, which is not supported`,
      {
        hint: 'decompress the qcow2 image (qcow2 compresses its own clusters: qemu-img convert -c)',
      },
    );
  return { format: content, compression: outer };
}
