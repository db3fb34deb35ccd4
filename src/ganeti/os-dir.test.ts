import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { dir as tmpDir } from 'tmp-promise';
import { afterAll, describe, expect, it } from 'vitest';
import { readManifest } from './manifest.js';
import {
  readVariantsList,
  renderApiVersion,
  renderOsDir,
  renderParametersList,
  renderVariantsList,
  writeOsDirFile,
} from './os-dir.js';

// A plain directory of small files, never a mount point: tmp-promise's recursive cleanup is safe here.
const tmp = await tmpDir({ prefix: 'gos-osdir-', unsafeCleanup: true });
afterAll(() => tmp.cleanup());

const manifest = {
  provider: 'x',
  configDir: '/etc/ganeti/instance-x',
  shareDir: '/s',
  cacheDir: '/c',
  version: '1',
};

describe('OS directory rendering', () => {
  it('writes API versions newest first, no blank lines', () => {
    expect(renderApiVersion([10, 20, 15])).toBe('20\n15\n10\n');
    expect(renderApiVersion([20, 5, 20])).toBe('20\n');
    expect(() => renderApiVersion([5])).toThrow(/no supported API version/);
  });

  it('writes `name description` on every parameters.list line', () => {
    const text = renderParametersList([
      { name: 'filesystem', description: 'root  filesystem\ntype' },
      { name: 'dns-server', description: 'resolver' },
    ]);
    expect(text).toBe('filesystem root filesystem type\ndns-server resolver\n');
    for (const line of text.trimEnd().split('\n')) expect(line.split(/\s+/, 2)).toHaveLength(2);
    expect(() => renderParametersList([{ name: 'Bad Name', description: 'x' }])).toThrow(/not valid/);
    expect(() => renderParametersList([{ name: 'ok', description: '  ' }])).toThrow(/no description/);
  });

  it('validates variant names', () => {
    expect(renderVariantsList(['default', 'testing+contrib+paravirtualized'])).toBe(
      'default\ntesting+contrib+paravirtualized\n',
    );
    expect(renderVariantsList([])).toBe('');
    for (const bad of ['a/b', '..', '../x', '.hidden', 'a b', '-x'])
      expect(() => renderVariantsList([bad])).toThrow(/invalid variant name/);
  });

  it('renders only what the declared API needs', () => {
    const api20 = renderOsDir({ name: 'x', apiVersions: [20, 15, 10], params: [], variants: [], manifest });
    expect(api20.files.map((f) => f.name)).toEqual([
      'ganeti_api_version',
      'variants.list',
      'parameters.list',
      'ganeti-os.json',
    ]);
    expect(api20.scripts).toEqual(['create', 'import', 'export', 'rename', 'verify']);
    const api10 = renderOsDir({ name: 'x', apiVersions: [10], params: [], variants: [], manifest });
    expect(api10.files.map((f) => f.name)).toEqual(['ganeti_api_version', 'ganeti-os.json']);
    expect(() =>
      renderOsDir({ name: 'my.os', apiVersions: [20], params: [], variants: [], manifest }),
    ).toThrow(/not valid/);
  });
});

describe('OS directory files on disk', () => {
  it('are rewritten atomically, only when they change, and read back', () => {
    const osDir = join(tmp.path, 'os');
    mkdirSync(osDir);
    const file = (content: string) => ({ name: 'variants.list', content, mode: 0o644 });
    expect(writeOsDirFile(osDir, file('a\nb\n'))).toBe(true);
    const ino = statSync(join(osDir, 'variants.list')).ino;
    expect(writeOsDirFile(osDir, file('a\nb\n'))).toBe(false);
    expect(statSync(join(osDir, 'variants.list')).ino).toBe(ino);
    expect(readVariantsList(osDir)).toEqual(['a', 'b']);
    expect(writeOsDirFile(osDir, file('b\n'))).toBe(true);
    expect(readFileSync(join(osDir, 'variants.list'), 'utf8')).toBe('b\n');
    expect(readdirSync(osDir)).toEqual(['variants.list']);
    expect(readVariantsList(join(tmp.path, 'nope'))).toEqual([]);
  });

  it('fail clearly when the OS directory is missing', () => {
    expect(() =>
      writeOsDirFile(join(tmp.path, 'nope'), { name: 'variants.list', content: 'a\n', mode: 0o644 }),
    ).toThrow(/cannot write .*variants\.list \(ENOENT\)/);
  });

  it('the manifest written is the manifest read', () => {
    const osDir = join(tmp.path, 'm');
    mkdirSync(osDir);
    const full = {
      ...manifest,
      params: [{ name: 'a' }],
      verifyNeedsProvider: false,
      noOp: ['create'],
      rawStreams: true,
    };
    for (const f of renderOsDir({ name: 'x', apiVersions: [20], params: [], variants: [], manifest: full })
      .files)
      writeOsDirFile(osDir, f);
    expect(readManifest(osDir)).toEqual(full);
    expect(() => readManifest(tmp.path)).toThrow(/ganeti-os\.json is missing/);
  });
});
