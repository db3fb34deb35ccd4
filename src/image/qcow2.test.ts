import { describe, expect, it } from 'vitest';
import { isOsError } from '../runtime/errors.js';
import { inspectQcow2Header } from './qcow2.js';

interface Ext {
  type: number;
  data: Buffer;
}

interface HeaderSpec {
  version?: number;
  size?: bigint;
  clusterBits?: number;
  backing?: string;
  crypt?: number;
  incompatible?: bigint;
  extensions?: Ext[];
  /** Leave out the end-of-extensions marker. */
  noEnd?: boolean;
}

const FEATURE_TABLE = 0x6803f857;

/** A qcow2 header as qemu-img writes it (one 64 KiB cluster), with the fields of `s`. */
function header(s: HeaderSpec = {}): Buffer {
  const version = s.version ?? 3;
  const buf = Buffer.alloc(4096);
  buf.write('QFI\xfb', 0, 'latin1');
  buf.writeUInt32BE(version, 4);
  buf.writeUInt32BE(s.clusterBits ?? 16, 20);
  buf.writeBigUInt64BE(s.size ?? 64n * 1024n * 1024n, 24);
  buf.writeUInt32BE(s.crypt ?? 0, 32);
  let off = 72;
  if (version === 3) {
    buf.writeBigUInt64BE(s.incompatible ?? 0n, 72);
    buf.writeUInt32BE(4, 96); // refcount order
    buf.writeUInt32BE(112, 100); // header length
    off = 112;
  }
  for (const e of s.extensions ?? []) {
    buf.writeUInt32BE(e.type, off);
    buf.writeUInt32BE(e.data.length, off + 4);
    e.data.copy(buf, off + 8);
    off += 8 + Math.ceil(e.data.length / 8) * 8;
  }
  if (s.noEnd) buf.fill(0xff, off, off + 8);
  if (s.backing !== undefined) {
    buf.writeBigUInt64BE(BigInt(2048), 8);
    buf.writeUInt32BE(s.backing.length, 16);
    buf.write(s.backing, 2048, 'latin1');
  }
  return buf;
}

function refused(head: Buffer): { code: string; message: string } {
  try {
    inspectQcow2Header(head);
  } catch (e) {
    if (isOsError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('the header was accepted');
}

describe('inspectQcow2Header', () => {
  it('accepts a plain version 3 header and reads its size and cluster size', () => {
    const h = header({ extensions: [{ type: FEATURE_TABLE, data: Buffer.alloc(48 * 3) }] });
    expect(inspectQcow2Header(h)).toEqual({
      version: 3,
      virtualSize: 64 * 1024 * 1024,
      clusterBits: 16,
      headerLength: 112,
      dirty: false,
    });
  });

  it('accepts version 2 (compat=0.10), whose extensions start at byte 72', () => {
    const info = inspectQcow2Header(header({ version: 2, size: 10n * 1024n ** 3n }));
    expect(info).toMatchObject({ version: 2, virtualSize: 10 * 1024 ** 3, headerLength: 72 });
  });

  it('accepts the dirty bit (read-only use) and reports it', () => {
    expect(inspectQcow2Header(header({ incompatible: 1n })).dirty).toBe(true);
  });

  it('refuses a backing file and names it on one line', () => {
    const r = refused(header({ backing: '/etc/shadow' }));
    expect(r.code).toBe('E_IMAGE_UNSAFE');
    expect(r.message).toBe('the qcow2 image has a backing file "/etc/shadow"; refusing it');
  });

  it('refuses a backing file even when its name lies outside the bytes read', () => {
    const h = header();
    h.writeBigUInt64BE(1n << 40n, 8);
    h.writeUInt32BE(10, 16);
    expect(refused(h)).toEqual({
      code: 'E_IMAGE_UNSAFE',
      message: 'the qcow2 image has a backing file; refusing it',
    });
  });

  it('keeps a hostile backing file name on one line', () => {
    const r = refused(header({ backing: 'a\nb\x1b[31m' }));
    expect(r.message).not.toContain('\n');
    expect(r.message).toContain('"a\\nb\\u001b[31m"');
  });

  it('refuses the external data file bit', () => {
    expect(refused(header({ incompatible: 4n }))).toMatchObject({
      code: 'E_IMAGE_UNSAFE',
      message: 'the qcow2 image uses an external data file; refusing it',
    });
  });

  it('refuses a data-file name extension even without the bit', () => {
    const r = refused(header({ extensions: [{ type: 0x44415441, data: Buffer.from('/dev/sda') }] }));
    expect(r).toEqual({
      code: 'E_IMAGE_UNSAFE',
      message: 'the qcow2 image names an external data file "/dev/sda"; refusing it',
    });
  });

  it('refuses a backing format extension', () => {
    const r = refused(header({ extensions: [{ type: 0xe2792aca, data: Buffer.from('raw') }] }));
    expect(r.message).toMatch(/names a backing file format "raw"/);
  });

  it('refuses unknown header extensions', () => {
    expect(refused(header({ extensions: [{ type: 0x12345678, data: Buffer.alloc(8) }] })).message).toMatch(
      /unknown header extension 0x12345678/,
    );
  });

  it('refuses unknown incompatible feature bits', () => {
    expect(refused(header({ incompatible: 1n << 9n }))).toMatchObject({
      code: 'E_IMAGE_UNSAFE',
      message: 'the qcow2 image has unknown incompatible features (0x200); refusing it',
    });
  });

  it('refuses encryption, by method and by extension', () => {
    expect(refused(header({ crypt: 1 })).message).toMatch(/is encrypted \(method 1\)/);
    expect(refused(header({ extensions: [{ type: 0x0537be77, data: Buffer.alloc(16) }] })).message).toMatch(
      /encryption header/,
    );
  });

  it('refuses the corrupt bit as a damaged image', () => {
    expect(refused(header({ incompatible: 2n })).code).toBe('E_IMAGE_CORRUPT');
  });

  it('refuses versions other than 2 and 3', () => {
    expect(refused(header({ version: 4 }))).toMatchObject({ code: 'E_IMAGE_QCOW2' });
    expect(refused(header({ version: 1 })).message).toMatch(/qcow2 version 1 is not supported/);
  });

  it('refuses truncated headers', () => {
    const h = header();
    expect(refused(h.subarray(0, 6)).code).toBe('E_IMAGE_CORRUPT');
    expect(refused(h.subarray(0, 50)).message).toMatch(/truncated \(50 of 72 bytes\)/);
    expect(refused(h.subarray(0, 90)).message).toMatch(/truncated \(90 of 104 bytes\)/);
    expect(refused(h.subarray(0, 112)).message).toMatch(/truncated inside its header extensions/);
    const withExt = header({ extensions: [{ type: FEATURE_TABLE, data: Buffer.alloc(96) }] });
    expect(refused(withExt.subarray(0, 150)).message).toMatch(/truncated inside header extension 0x6803f857/);
  });

  it('refuses extensions running past the first cluster', () => {
    const h = header({ clusterBits: 9, extensions: [{ type: FEATURE_TABLE, data: Buffer.alloc(400) }] });
    expect(refused(h).message).toMatch(/past its first cluster/);
  });

  it('refuses nonsense sizes', () => {
    expect(refused(header({ clusterBits: 30 })).message).toMatch(/invalid cluster size/);
    expect(refused(header({ size: 0n })).message).toMatch(/invalid virtual size/);
    expect(refused(header({ size: 1n << 60n })).message).toMatch(/invalid virtual size/);
  });
});
