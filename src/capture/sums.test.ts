import { describe, expect, it } from 'vitest';
import { mergeSums, sumLine, sumLineName } from './sums.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);

describe('SHA256SUMS', () => {
  it('writes lines as sha256sum does, escaping a backslash', () => {
    expect(sumLine({ name: 'x.qcow2', sha256: A })).toBe(`${A}  x.qcow2\n`);
    expect(sumLine({ name: 'a\\b', sha256: A })).toBe(`\\${A}  a\\\\b\n`);
    expect(sumLineName(`\\${A}  a\\\\b`)).toBe('a\\b');
    expect(sumLineName(`${A} *./bin.img`)).toBe('bin.img');
    expect(sumLineName('# a comment')).toBeUndefined();
  });

  it('replaces the lines of the same names and keeps every other line', () => {
    const before = `${A}  one.raw\n# signed below\n${B} *two.qcow2\n`;
    expect(mergeSums(before, [{ name: 'two.qcow2', sha256: C }])).toBe(
      `${A}  one.raw\n# signed below\n${C}  two.qcow2\n`,
    );
    expect(mergeSums('', [{ name: 'n.tar.zst', sha256: A }])).toBe(`${A}  n.tar.zst\n`);
  });
});
