import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dir as tmpDir } from 'tmp-promise';
import { afterAll, describe, expect, it } from 'vitest';
import {
  fileStamp,
  readManifest,
  renderManifest,
  stampsCurrent,
  unpublishedVariant,
  type OsManifest,
} from './manifest.js';

// A plain directory of small files, never a mount point: tmp-promise's recursive cleanup is safe here.
const tmp = await tmpDir({ prefix: 'gos-manifest-', unsafeCleanup: true });
afterAll(() => tmp.cleanup());

const base: OsManifest = {
  provider: 'debootstrap',
  configDir: '/etc/x',
  shareDir: '/s',
  cacheDir: '/c',
  version: '1',
};

function osDirWith(name: string, manifest: object | string): string {
  const d = join(tmp.path, name);
  mkdirSync(d);
  writeFileSync(
    join(d, 'ganeti-os.json'),
    typeof manifest === 'string' ? manifest : JSON.stringify(manifest),
  );
  return d;
}

describe('file stamps', () => {
  it('change when a file is edited, appears or goes away', () => {
    const f = join(tmp.path, 'v.yaml');
    expect(fileStamp(f)).toBe('absent');
    writeFileSync(f, 'suite: trixie\n');
    utimesSync(f, 1_000, 1_000);
    const before = fileStamp(f);
    expect(before).toBe('14:1000000');
    const recorded = [{ path: f, stamp: before }];
    expect(stampsCurrent(recorded)).toBe(true);
    writeFileSync(f, 'suite: bookworm\n');
    utimesSync(f, 1_000, 1_000);
    expect(stampsCurrent(recorded)).toBe(false); // same time, other size
    writeFileSync(f, 'suite: trixie\n');
    expect(stampsCurrent(recorded)).toBe(false); // same size, other time
    utimesSync(f, 1_000, 1_000);
    expect(stampsCurrent(recorded)).toBe(true);
    expect(stampsCurrent([{ path: join(tmp.path, 'admin.yaml'), stamp: 'absent' }])).toBe(true);
    writeFileSync(join(tmp.path, 'admin.yaml'), 'extend: trixie\n');
    expect(stampsCurrent([{ path: join(tmp.path, 'admin.yaml'), stamp: 'absent' }])).toBe(false);
  });

  it('count a file that cannot be examined as changed', () => {
    const notDir = join(tmp.path, 'plain');
    writeFileSync(notDir, '');
    expect(stampsCurrent([{ path: join(notDir, 'x.yaml'), stamp: 'absent' }])).toBe(false);
  });
});

describe('the variants record', () => {
  it('is read back as written', () => {
    const variants = [{ name: 'default', files: [{ path: '/s/default.yaml', stamp: '10:5' }] }];
    const d = osDirWith(
      'recorded',
      JSON.parse(renderManifest({ ...base, variants, skippedVariants: ['broken'] })) as object,
    );
    expect(readManifest(d)).toMatchObject({ variants, skippedVariants: ['broken'] });
  });

  it('keeps null (no variant files) apart from absent (written before the record)', () => {
    expect(readManifest(osDirWith('none', { ...base, variants: null })).variants).toBeNull();
    expect('variants' in readManifest(osDirWith('old', base))).toBe(false);
  });

  it('makes a malformed record a broken manifest', () => {
    const d = osDirWith('bad', { ...base, variants: [{ name: 'default', files: [{ path: 1 }] }] });
    expect(() => readManifest(d)).toThrow(/not a valid ganeti-os manifest \(malformed variants record\)/);
  });

  it('names the published variants when one is not', () => {
    expect(unpublishedVariant('debootstrap', 'sid', ['default', 'bookworm']).oneLine()).toBe(
      'error[E_VARIANT_UNKNOWN]: variant sid is not published by debootstrap (hint: choose one of: default, bookworm; see `ganeti-os variants list debootstrap`)',
    );
  });
});
