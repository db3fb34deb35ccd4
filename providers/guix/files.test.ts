import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultsOf, type OsError } from 'ganeti-os/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configFileOf, LIBRARY_FILE, libraryFileOf } from './files.js';
import { CONFIG_EXTENSION, guixSchema, guixVariant } from './schema.js';

const SHIPPED = join(import.meta.dirname, '../../variants/guix');

describe('guix variant files', () => {
  let work: string;
  let paths: { osDir: string; configDir: string; shareDir: string; cacheDir: string };
  const admin = () => join(paths.configDir, 'variants');
  const share = () => join(paths.shareDir, 'variants', 'guix');
  const put = (file: string, text = ';; x\n') => {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
  };

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'gos-guix-files-'));
    paths = {
      osDir: join(work, 'os'),
      configDir: join(work, 'etc'),
      shareDir: join(work, 'share'),
      cacheDir: join(work, 'cache'),
    };
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('the library: the admin copy wins over the shipped one; none is one line naming both places', () => {
    expect(() => libraryFileOf(paths)).toThrow(/the guix library is missing/);
    try {
      libraryFileOf(paths);
    } catch (e) {
      expect((e as OsError).code).toBe('E_VARIANT_MISSING');
      expect((e as OsError).message).toContain(join(share(), LIBRARY_FILE));
      expect((e as OsError).hint).toContain(join(admin(), LIBRARY_FILE));
    }
    put(join(share(), LIBRARY_FILE));
    expect(libraryFileOf(paths)).toBe(join(share(), 'lib/ganeti-os.scm'));
    put(join(admin(), LIBRARY_FILE));
    expect(libraryFileOf(paths)).toBe(join(admin(), 'lib/ganeti-os.scm'));
  });

  it('the configuration: config key, the own .scm, then admin, shipped, beside the YAML file', () => {
    const v = guixVariant(defaultsOf(guixSchema));
    expect(configFileOf({ ...v, config: '/x/y.scm' }, 'a', [], paths)).toBe('/x/y.scm');
    expect(configFileOf(v, 'a', ['/v/a.yaml', '/v/a.scm'], paths)).toBe('/v/a.scm');
    expect(() => configFileOf(v, 'a', [], paths)).toThrow(/variant a has no configuration/);
    put(join(work, 'yaml', `a${CONFIG_EXTENSION}`));
    expect(configFileOf(v, 'a', [join(work, 'yaml', 'a.yaml')], paths)).toBe(join(work, 'yaml', 'a.scm'));
    put(join(share(), 'a.scm'));
    expect(configFileOf(v, 'a', [], paths)).toBe(join(share(), 'a.scm'));
    put(join(admin(), 'a.scm'));
    expect(configFileOf(v, 'a', [], paths)).toBe(join(admin(), 'a.scm'));
  });

  it('finds the shipped library of this package', () => {
    const shareDir = join(SHIPPED, '../..');
    expect(libraryFileOf({ ...paths, shareDir })).toBe(join(SHIPPED, LIBRARY_FILE));
  });
});
