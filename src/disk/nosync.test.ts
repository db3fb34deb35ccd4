import { describe, expect, it } from 'vitest';
import { noSyncEnv } from './nosync.js';

describe('tools without fsync', () => {
  it('preload eatmydata when it is installed, after anything already preloaded', () => {
    expect(noSyncEnv(true, undefined)).toEqual({ LD_PRELOAD: 'libeatmydata.so' });
    expect(noSyncEnv(true, '')).toEqual({ LD_PRELOAD: 'libeatmydata.so' });
    expect(noSyncEnv(true, 'libfoo.so')).toEqual({ LD_PRELOAD: 'libfoo.so libeatmydata.so' });
    expect(noSyncEnv(false, 'libfoo.so')).toBeUndefined();
  });
});
