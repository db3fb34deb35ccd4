import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isOsError } from '../runtime/errors.js';
import { classifyHead, HEAD_BYTES, isDumpHeader, isTarHeader, rawSignature } from './classify.js';

function tarHeader(magic: 'posix' | 'gnu' = 'posix'): Buffer {
  const b = Buffer.alloc(512);
  b.write('etc/hostname', 0);
  b.write('0000644\0', 100);
  b.write('00000000005\0', 124);
  b.write('0', 156);
  b.write(magic === 'posix' ? 'ustar\x0000' : 'ustar  \0', 257, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return Buffer.concat([b, Buffer.alloc(1024)]);
}

/** The first TP_BSIZE record of a dump(8) stream: TS_TAPE, NFS magic, and the checksum word. */
function dumpHeader(le = true): Buffer {
  const b = Buffer.alloc(1024);
  const w = (v: number, off: number): void => {
    if (le) b.writeUInt32LE(v, off);
    else b.writeUInt32BE(v, off);
  };
  w(1, 0);
  w(60012, 24);
  let sum = 0;
  for (let i = 0; i < 1024; i += 4) sum = (sum + (le ? b.readUInt32LE(i) : b.readUInt32BE(i))) >>> 0;
  w((84446 - sum) >>> 0, 28);
  return b;
}

function mbr(): Buffer {
  const b = Buffer.alloc(HEAD_BYTES);
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (isOsError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('no error');
}

describe('classifyHead', () => {
  it('knows qcow2 by its magic', () => {
    expect(classifyHead(Buffer.from('QFI\xfb\0\0\0\x03', 'latin1'))).toEqual({
      format: 'qcow2',
      compression: 'none',
    });
  });

  it('knows the three compressors and looks inside when given the decompressed head', () => {
    const gz = gzipSync(Buffer.from('x'));
    expect(classifyHead(gz)).toEqual({ format: 'compressed', compression: 'gzip' });
    const xz = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 4]);
    expect(classifyHead(xz)).toEqual({ format: 'compressed', compression: 'xz' });
    const zst = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x24, 0]);
    expect(classifyHead(zst, tarHeader())).toEqual({ format: 'tarball', compression: 'zstd' });
    expect(classifyHead(gz, mbr())).toEqual({ format: 'raw', compression: 'gzip' });
    expect(classifyHead(xz, dumpHeader())).toEqual({ format: 'dump', compression: 'xz' });
  });

  it('knows POSIX and GNU tar headers by magic and checksum', () => {
    expect(classifyHead(tarHeader('posix')).format).toBe('tarball');
    expect(classifyHead(tarHeader('gnu')).format).toBe('tarball');
    const bad = tarHeader();
    bad[0] = 0x41; // checksum no longer matches
    expect(isTarHeader(bad)).toBe(false);
  });

  it('knows dump(8) records in either byte order, and only with a valid checksum', () => {
    expect(classifyHead(dumpHeader(true))).toEqual({ format: 'dump', compression: 'none' });
    expect(classifyHead(dumpHeader(false)).format).toBe('dump');
    const bad = dumpHeader();
    bad[100] = 1;
    expect(isDumpHeader(bad)).toBe(false);
    expect(isDumpHeader(dumpHeader().subarray(0, 512))).toBe(false);
  });

  it('knows raw disks by MBR, GPT and bare ext/xfs/btrfs superblocks', () => {
    expect(rawSignature(mbr())).toBe('mbr');
    const gpt = mbr();
    gpt.write('EFI PART', 512, 'latin1');
    expect(rawSignature(gpt)).toBe('gpt');
    const ext = Buffer.alloc(HEAD_BYTES);
    ext.writeUInt16LE(0xef53, 1080);
    expect(rawSignature(ext)).toBe('ext');
    const xfs = Buffer.alloc(HEAD_BYTES);
    xfs.write('XFSB', 0);
    expect(rawSignature(xfs)).toBe('xfs');
    const btrfs = Buffer.alloc(HEAD_BYTES);
    btrfs.write('_BHRfS_M', 0x10040);
    expect(rawSignature(btrfs)).toBe('btrfs');
    for (const b of [gpt, ext, xfs, btrfs])
      expect(classifyHead(b)).toEqual({ format: 'raw', compression: 'none' });
    // The btrfs magic lies past 64 KiB: a shorter head does not show it.
    expect(rawSignature(btrfs.subarray(0, 64 * 1024))).toBeUndefined();
  });

  it('refuses unknown content, an empty file and formats it does not support, by name', () => {
    expect(errorOf(() => classifyHead(Buffer.alloc(HEAD_BYTES)))).toMatchObject({
      code: 'E_IMAGE_FORMAT',
      message: expect.stringMatching(/no known format/) as string,
    });
    expect(errorOf(() => classifyHead(Buffer.alloc(0))).message).toBe('the image is empty');
    expect(errorOf(() => classifyHead(Buffer.from('KDMV\x01\0\0\0', 'latin1'))).message).toMatch(/vmdk/);
    expect(errorOf(() => classifyHead(Buffer.from('BZh91AY&SY'))).message).toMatch(/bzip2/);
    expect(errorOf(() => classifyHead(Buffer.from('<html><body>Not Found</body></html>'))).code).toBe(
      'E_IMAGE_FORMAT',
    );
  });

  it('refuses a compressed qcow2, double compression and an empty stream', () => {
    const gz = gzipSync(Buffer.from('x'));
    expect(errorOf(() => classifyHead(gz, Buffer.from('QFI\xfb\0\0\0\x03', 'latin1'))).message).toBe(
      'the image is a gzip qcow2, which is not supported',
    );
    expect(errorOf(() => classifyHead(gz, gz)).message).toBe(
      'the image is gzip data compressed again with gzip',
    );
    expect(errorOf(() => classifyHead(gz, Buffer.alloc(0))).code).toBe('E_IMAGE_CORRUPT');
  });
});
