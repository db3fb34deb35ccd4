import { describe, expect, it } from 'vitest';
import { isOsError } from '../runtime/errors.js';
import { algoOfHex, findSum, parseSums, pinnedSums } from './sums.js';

const a = 'a'.repeat(64);
const b = 'B'.repeat(64);
const c = 'c'.repeat(128);

describe('parseSums', () => {
  it('reads GNU text and binary lines, BSD lines, and skips everything else', () => {
    const text = [
      '# checksums of the images',
      `${a}  debian-12-genericcloud-amd64.qcow2`,
      `${b} *debian-12-genericcloud-amd64.raw`,
      `SHA512 (debian-12.tar.zst) = ${c}`,
      `${a}  name with spaces.img\r`,
      `\\${a}  back\\\\slash\\nname`,
      '-----BEGIN PGP SIGNATURE-----',
      'not a line',
      `${a.slice(1)}  too-short`,
      '',
    ].join('\n');
    expect(parseSums(text)).toEqual(
      new Map([
        ['debian-12-genericcloud-amd64.qcow2', a],
        ['debian-12-genericcloud-amd64.raw', b.toLowerCase()],
        ['debian-12.tar.zst', c],
        ['name with spaces.img', a],
        ['back\\slash\nname', a],
      ]),
    );
  });

  it('refuses a name listed twice with different sums', () => {
    let err: unknown;
    try {
      parseSums(`${a}  x.img\n${c}  x.img\n`);
    } catch (e) {
      err = e;
    }
    expect(isOsError(err) && err.code).toBe('E_FETCH_SUMS');
    expect(parseSums(`${a}  x.img\n${a} *x.img\n`).size).toBe(1);
  });

  it('finds an entry by file name, also below ./ or a single subdirectory', () => {
    const sums = parseSums(`${a}  ./one.img\n${b}  sub/two.img\n${a}  x/dup.img\n${b}  y/dup.img\n`);
    expect(findSum(sums, 'one.img')).toBe(a);
    expect(findSum(sums, 'two.img')).toBe(b.toLowerCase());
    expect(findSum(sums, 'dup.img')).toBeUndefined();
    expect(findSum(sums, 'missing.img')).toBeUndefined();
  });

  it('tells the algorithm from the length', () => {
    expect(algoOfHex(a)).toBe('sha256');
    expect(algoOfHex(c)).toBe('sha512');
    expect(algoOfHex('abc')).toBeUndefined();
    expect(algoOfHex('z'.repeat(64))).toBeUndefined();
  });

  it('validates pinned checksums', () => {
    expect(pinnedSums({ url: 'http://x/y', sha256: b, sha512: c })).toEqual([
      { algo: 'sha256', hex: b.toLowerCase(), from: 'the variant' },
      { algo: 'sha512', hex: c, from: 'the variant' },
    ]);
    expect(pinnedSums({ url: 'http://x/y' })).toEqual([]);
    expect(() => pinnedSums({ url: 'http://x/y', sha256: c })).toThrow(/sha256 .* is not 64 hexadecimal/);
  });
});
