import { describe, expect, it } from 'vitest';
import { schemeLiteral, schemeString, schemeSymbol } from './scheme.js';

describe('schemeString', () => {
  it('escapes backslash, quote and the usual whitespace', () => {
    expect(schemeString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(schemeString('l1\nl2\tx\ry')).toBe('"l1\\nl2\\tx\\ry"');
  });

  it('writes other control characters as two-digit \\x escapes (Guile reads exactly two)', () => {
    expect(schemeString('\x1b;\x00\x7f')).toBe('"\\x1b;\\x00\\x7f"');
  });

  it('writes everything beyond ASCII as \\u or \\U escapes, lone surrogates as U+FFFD', () => {
    expect(schemeString('é\u2028😀')).toBe('"\\u00e9\\u2028\\U01f600"');
    expect(schemeString('a\ud800b')).toBe('"a\\ufffdb"');
  });

  it('keeps hostile text inside one literal', () => {
    const hostile = '")(system* "touch" "/tmp/x")("#.(exit 1)';
    const lit = schemeString(hostile);
    // the only unescaped quotes are the delimiters
    expect(lit.replace(/\\./g, '').match(/"/g)).toHaveLength(2);
    expect(lit).toBe('"\\")(system* \\"touch\\" \\"/tmp/x\\")(\\"#.(exit 1)"');
  });
});

describe('schemeLiteral', () => {
  it('writes atoms', () => {
    expect(schemeLiteral('x')).toBe('"x"');
    expect(schemeLiteral(42)).toBe('42');
    expect(schemeLiteral(-2.5)).toBe('-2.5');
    expect(schemeLiteral(true)).toBe('#t');
    expect(schemeLiteral(false)).toBe('#f');
    expect(schemeLiteral(null)).toBe('#f');
    expect(schemeLiteral(schemeSymbol('btrfs-subvolumes'))).toBe("'btrfs-subvolumes");
  });

  it('writes lists and association lists', () => {
    expect(schemeLiteral([])).toBe("'()");
    expect(schemeLiteral(['a', 1])).toBe('(list "a" 1)');
    expect(schemeLiteral({ name: 'eth0', ipv4: { prefix: 24 }, tags: [] })).toBe(
      `(list (cons 'name "eth0") (cons 'ipv4 (list (cons 'prefix 24))) (cons 'tags '()))`,
    );
    expect(schemeLiteral({})).toBe("'()");
  });

  it('refuses numbers that are not plain finite decimals', () => {
    for (const n of [NaN, Infinity, -Infinity, 1e21, 1e-7, 2 ** 60]) {
      expect(() => schemeLiteral(n)).toThrow(/Scheme literal/);
    }
  });

  it('refuses symbols and keys that are not plain names', () => {
    for (const bad of ['', 'A', '1a', 'a b', "a'", 'a)', '#.x', 'é']) {
      expect(() => schemeSymbol(bad)).toThrow(/symbol/);
      expect(() => schemeLiteral({ [bad]: 1 })).toThrow(/symbol/);
    }
    // an object that only looks like a symbol is still checked
    expect(() => schemeLiteral({ symbol: 'x) (system "id")' })).toThrow(/symbol/);
  });
});
