import { describe, expect, it } from 'vitest';
import { param, resolveParams } from './params.js';

const decls = {
  filesystem: param.enum(['ext4', 'xfs', 'btrfs'], { description: 'root filesystem', default: 'ext4' }),
  swap: param.size({ description: 'swap size', min: 16 }),
  serial: param.boolean({ description: 'serial console', default: false }),
  count: param.integer({ description: 'a count', min: 1, max: 9 }),
  keys: param.list({ description: 'ssh keys' }),
  'root-password': param.string({
    description: 'root password',
    private: true,
    pattern: /^.{8,}$/,
    patternText: 'at least 8 characters',
  }),
};

describe('resolveParams', () => {
  it('applies defaults for absent and empty values alike', () => {
    const r = resolveParams(decls, { FILESYSTEM: '' });
    expect(r.problems).toEqual([]);
    expect(r.values).toEqual({
      filesystem: 'ext4',
      swap: undefined,
      serial: false,
      count: undefined,
      keys: [],
      'root-password': undefined,
    });
  });

  it('parses every kind', () => {
    const r = resolveParams(decls, {
      FILESYSTEM: 'xfs',
      SWAP: '1G',
      SERIAL: 'yes',
      COUNT: '3',
      KEYS: 'a, b c',
      ROOT_PASSWORD: 'longenough',
    });
    expect(r.problems).toEqual([]);
    expect(r.values).toEqual({
      filesystem: 'xfs',
      swap: 1024,
      serial: true,
      count: 3,
      keys: ['a', 'b', 'c'],
      'root-password': 'longenough',
    });
  });

  it('reports every bad value, and never echoes a private value', () => {
    const r = resolveParams(decls, {
      FILESYSTEM: 'vfat',
      SWAP: '8M',
      SERIAL: 'maybe',
      COUNT: '10',
      ROOT_PASSWORD: 'short',
    });
    expect(r.problems.map((p) => p.message)).toEqual([
      'OS parameter filesystem must be one of ext4, xfs, btrfs (got "vfat")',
      'OS parameter swap must be at least 16M (got 8M)',
      'OS parameter serial must be yes or no (got "maybe")',
      'OS parameter count must be at most 9 (got 10)',
      'OS parameter root-password must be at least 8 characters',
    ]);
    expect(r.problems.map((p) => p.message).join(' ')).not.toContain('short');
  });

  it('warns about undeclared OSP_ values', () => {
    expect(resolveParams(decls, { OTHER: 'x' }).warnings).toEqual([
      expect.stringContaining('OSP_OTHER is not declared'),
    ]);
  });

  it('parses sizes with units', () => {
    const size = param.size({ description: 's' });
    expect([
      size.parse('512'),
      size.parse('512M'),
      size.parse('2G'),
      size.parse('2GiB'),
      size.parse('1t'),
    ]).toEqual([512, 512, 2048, 2048, 1048576]);
    expect(() => size.parse('lots')).toThrow();
  });
});
