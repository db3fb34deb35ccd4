import { describe, expect, it } from 'vitest';
import { classifyFile, isExpired } from './entry.js';
import type { CacheSidecar } from './sidecar.js';

describe('cache entry files', () => {
  it('classifies every file a cache dir can hold', () => {
    expect(classifyFile('bookworm-amd64-0123456789abcdef.tar.zst')).toEqual({
      stem: 'bookworm-amd64-0123456789abcdef',
      role: 'tarball',
    });
    expect(classifyFile('bookworm-amd64-0123456789abcdef.json')).toEqual({
      stem: 'bookworm-amd64-0123456789abcdef',
      role: 'sidecar',
    });
    expect(classifyFile('bookworm-amd64-0123456789abcdef.lock')).toEqual({
      stem: 'bookworm-amd64-0123456789abcdef',
      role: 'lock',
    });
    expect(classifyFile('.bookworm-amd64-0123456789abcdef.tar.zst.tmp-0a1b2c3d')).toEqual({
      stem: 'bookworm-amd64-0123456789abcdef',
      role: 'temporary',
    });
    expect(classifyFile('bookworm-amd64-0123456789abcdef.json.tmp-0a1b2c3d')).toEqual({
      stem: 'bookworm-amd64-0123456789abcdef',
      role: 'temporary',
    });
    expect(classifyFile('.bookworm-amd64-0123456789abcdef.staging-AbC123')).toEqual({
      stem: 'bookworm-amd64-0123456789abcdef',
      role: 'staging',
    });
    expect(classifyFile('README')).toBeUndefined();
  });

  it('classifies the filesystem images beside an entry, and their temporaries', () => {
    const stem = 'bookworm-amd64-0123456789abcdef';
    expect(classifyFile(`${stem}.ext4.img`)).toEqual({ stem, role: 'image' });
    expect(classifyFile(`${stem}.ext3.img.json`)).toEqual({ stem, role: 'image' });
    expect(classifyFile(`.${stem}.ext4.img.building`)).toEqual({ stem, role: 'temporary' });
    expect(classifyFile(`${stem}.ext4.img.json.tmp-0a1b2c3d`)).toEqual({ stem, role: 'temporary' });
    expect(classifyFile(`${stem}.xfs.img`)).toBeUndefined();
  });

  it('expires by the sidecar creation time', () => {
    const sc = { createdAt: '2024-01-01T00:00:00.000Z' } as CacheSidecar;
    const now = Date.parse('2024-01-15T12:00:00.000Z');
    expect(isExpired(sc, 14, now)).toBe(true);
    expect(isExpired(sc, 15, now)).toBe(false);
    expect(isExpired(sc, 'never', now)).toBe(false);
  });
});
