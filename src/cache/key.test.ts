import { describe, expect, it } from 'vitest';
import { cacheKey, canonicalJson, entryStem } from './key.js';

describe('cache keys', () => {
  const inputs = {
    suite: 'bookworm',
    arch: 'amd64',
    mirror: 'http://deb.debian.org/debian',
    components: ['main'],
    packages: ['a', 'b'],
  };

  it('is stable and independent of key order and undefined values', () => {
    const reordered = {
      packages: ['a', 'b'],
      components: ['main'],
      mirror: 'http://deb.debian.org/debian',
      arch: 'amd64',
      suite: 'bookworm',
      proxy: undefined,
    };
    expect(cacheKey(reordered)).toBe(cacheKey(inputs));
    expect(cacheKey(inputs)).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalJson({ b: { d: 1, c: [2, { f: true, e: null }] }, a: 'x' })).toBe(
      '{"a":"x","b":{"c":[2,{"e":null,"f":true}],"d":1}}',
    );
  });

  it('changes with any input, including package order', () => {
    const keys = new Set([
      cacheKey(inputs),
      cacheKey({ ...inputs, mirror: 'http://mirror.local/debian' }),
      cacheKey({ ...inputs, components: ['main', 'contrib'] }),
      cacheKey({ ...inputs, packages: ['b', 'a'] }),
      cacheKey({ ...inputs, keyring: '/usr/share/keyrings/x.gpg' }),
      cacheKey({ ...inputs, bootstrapper: { name: 'mmdebstrap', variant: 'minbase' } }),
    ]);
    expect(keys.size).toBe(6);
  });

  it('refuses values JSON cannot represent faithfully', () => {
    expect(() => cacheKey({ n: Number.NaN })).toThrow(/finite/);
    expect(() => cacheKey({ f: () => 1 })).toThrow(/unsupported/);
  });

  it('names entries <suite>-<arch>-<hash16>, sanitised', () => {
    const k = cacheKey(inputs);
    expect(entryStem(inputs, k)).toBe(`bookworm-amd64-${k.slice(0, 16)}`);
    expect(entryStem({ suite: '../Evil Suite', arch: 'arm64' }, k)).toBe(
      `evil_suite-arm64-${k.slice(0, 16)}`,
    );
    expect(entryStem({}, k)).toBe(`tree-any-${k.slice(0, 16)}`);
    expect(() => entryStem(inputs, 'short')).toThrow();
  });
});
