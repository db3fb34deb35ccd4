import { describe, expect, it } from 'vitest';
import { isOsError } from '../runtime/errors.js';
import { decodeHeader, encodeHeader, HEADER_SIZE } from './header.js';

describe('stream header', () => {
  it('round-trips in exactly one 4 KiB block', () => {
    const h = {
      kind: 'tree' as const,
      index: 0,
      filesystem: 'ext4',
      uuid: 'u',
      sizeBytes: 1 << 30,
      os: 'debootstrap',
    };
    const buf = encodeHeader(h);
    expect(buf.length).toBe(HEADER_SIZE);
    expect(buf.subarray(0, 19).toString()).toBe('GANETI-OS-STREAM 1\n');
    expect(decodeHeader(buf)).toEqual(h);
  });

  it('refuses a stream of another format, a damaged header and an unknown kind, each with a hint', () => {
    const fail = (b: Buffer): string => {
      try {
        decodeHeader(b);
      } catch (e) {
        return isOsError(e) ? `${e.code} ${e.message} ${e.hint ?? ''}` : 'not an OsError';
      }
      return 'no error';
    };
    expect(fail(Buffer.alloc(HEADER_SIZE, 0x41))).toMatch(
      /^E_STREAM_FORMAT .*not written by a ganeti-os export/,
    );
    expect(fail(Buffer.from('GANETI-OS-STREAM 1\n{"kind":'))).toMatch(/^E_STREAM_FORMAT .*damaged/);
    expect(fail(Buffer.from('GANETI-OS-STREAM 1\n{"kind":"x","index":0}'))).toMatch(/unknown kind x/);
    expect(() => encodeHeader({ kind: 'raw', index: 0, sizeBytes: 0, os: 'x'.repeat(HEADER_SIZE) })).toThrow(
      /too large/,
    );
  });
});
