import { describe, expect, it } from 'vitest';
import { defaultsOf, defineSchema } from '../config/schema.js';
import { CACHE_KEYS, DISK_KEYS, settingsOf } from './schema.js';

describe('schema fragments', () => {
  it('compose into a schema and read back camel-cased with their types', () => {
    const schema = defineSchema('t', [...DISK_KEYS, ...CACHE_KEYS]);
    const d = settingsOf(DISK_KEYS, { ...defaultsOf(schema), swap: 1024 });
    expect(d).toEqual({
      partitionStyle: 'msdos',
      partitionAlignment: 2048,
      filesystem: 'ext4',
      swap: 1024,
      bootPartition: 'none',
      diskSync: 'writeback',
    });
    expect(settingsOf(CACHE_KEYS, defaultsOf(schema))).toEqual({
      generateCache: true,
      cleanCache: 14,
      imageCache: true,
    });
  });

  it('refuses values not resolved against a schema with the fragment', () => {
    expect(() => settingsOf(DISK_KEYS, {})).toThrow(/partition-style missing/);
  });
});
