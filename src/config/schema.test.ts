import { describe, expect, it } from 'vitest';
import { coerceValue, defineSchema, parseSizeMiB, type KeySpec } from './schema.js';

const spec = (s: Partial<KeySpec> & Pick<KeySpec, 'type'>): KeySpec => ({
  name: 'k',
  default: '',
  description: '',
  ...s,
});

describe('schema', () => {
  it('parses sizes in MiB with M/G/T suffixes', () => {
    expect(parseSizeMiB(512)).toBe(512);
    expect(parseSizeMiB('512M')).toBe(512);
    expect(parseSizeMiB('2G')).toBe(2048);
    expect(parseSizeMiB('2GiB')).toBe(2048);
    expect(parseSizeMiB('1T')).toBe(1048576);
    expect(parseSizeMiB('1.5G')).toBeUndefined();
    expect(parseSizeMiB('-1')).toBeUndefined();
    expect(parseSizeMiB('lots')).toBeUndefined();
  });

  it('coerces each type and says what it expected', () => {
    expect(coerceValue(spec({ type: 'boolean', default: false }), true)).toEqual({ ok: true, value: true });
    expect(coerceValue(spec({ type: 'boolean', default: false }), 'yes')).toEqual({
      ok: false,
      expected: 'true or false',
    });
    expect(coerceValue(spec({ type: 'enum', values: ['a', 'b'], default: 'a' }), 'c')).toEqual({
      ok: false,
      expected: 'one of a|b',
    });
    expect(coerceValue(spec({ type: 'integer', default: 1, min: 1 }), '14')).toEqual({ ok: true, value: 14 });
    expect(coerceValue(spec({ type: 'integer', default: 1, min: 1 }), 0).ok).toBe(false);
    expect(coerceValue(spec({ type: 'integer', default: 1, keywords: ['never'] }), 'never')).toEqual({
      ok: true,
      value: 'never',
    });
    expect(coerceValue(spec({ type: 'size', default: 'none', keywords: ['none'] }), '1G')).toEqual({
      ok: true,
      value: 1024,
    });
    expect(coerceValue(spec({ type: 'list', default: [] }), ['a', 'b'])).toEqual({
      ok: true,
      value: ['a', 'b'],
    });
    expect(coerceValue(spec({ type: 'list', default: [] }), 'a,b').ok).toBe(false);
    expect(coerceValue(spec({ type: 'paths', default: [] }), 'dir')).toEqual({ ok: true, value: ['dir'] });
    expect(coerceValue(spec({ type: 'map', default: {} }), { a: 1 })).toEqual({
      ok: true,
      value: { a: '1' },
    });
    expect(coerceValue(spec({ type: 'string', pattern: /^[a-z]+$/ }), 'Bad').ok).toBe(false);
  });

  it('refuses a malformed declaration', () => {
    expect(() =>
      defineSchema('x', [{ name: 'Bad_Key', type: 'string', default: '', description: '' }]),
    ).toThrow(/kebab-case/);
    expect(() => defineSchema('x', [{ name: 'n', type: 'integer', default: 'x', description: '' }])).toThrow(
      /default of "n"/,
    );
    expect(() =>
      defineSchema('x', [{ name: 'extend', type: 'string', default: '', description: '' }]),
    ).toThrow(/twice/);
  });
});
