import { describe, expect, it } from 'vitest';
import { classifyFile, isExpired } from './entry.js';
import type { CacheSidecar } from './sidecar.js';

describe('cache entry files', () => {
  const stem = 'bookworm-amd64-0123456789abcdef';

  it.each([
    [`${stem}.tar.zst`, 'tarball'],
    [`${stem}.json`, 'sidecar'],
    [`${stem}.lock`, 'lock'],
    [`.${stem}.tar.zst.tmp-0a1b2c3d`, 'temporary'],
    [`${stem}.json.tmp-0a1b2c3d`, 'temporary'],
    [`.${stem}.json.tmp-0a1b2c3d4e5f`, 'temporary'],
    [`.${stem}.staging-AbC123`, 'staging'],
    [`${stem}.ext4.img`, 'image'],
    [`${stem}.ext3.img.json`, 'image'],
    [`.${stem}.ext4.img.building`, 'temporary'],
    [`${stem}.ext4.img.json.tmp-0a1b2c3d`, 'temporary'],
    [`.${stem}.ext4.img.json.tmp-0a1b2c3d4e5f`, 'temporary'],
  ])('classifies %s as a %s', (name, role) => {
    expect(classifyFile(name)).toEqual({ stem, role });
  });

  it('leaves other files alone', () => {
    expect(classifyFile('README')).toBeUndefined();
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
