import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dir as tmpDir } from 'tmp-promise';
import { afterAll, describe, expect, it } from 'vitest';
import { param } from '../provider/params.js';
import { fastVerify } from './verify-fast.js';

// A plain directory of JSON files, never a mount point: tmp-promise's recursive cleanup is safe here.
const tmp = await tmpDir({ prefix: 'gos-fastverify-', unsafeCleanup: true });
const dir = tmp.path;
afterAll(() => tmp.cleanup());

function osDir(name: string, manifest: object): string {
  const d = join(dir, name);
  mkdirSync(d);
  writeFileSync(join(d, 'ganeti-os.json'), JSON.stringify(manifest));
  return join(d, 'verify');
}

const params = {
  filesystem: param.enum(['ext4', 'xfs'], { description: 'fs', default: 'ext4' }),
  password: param.string({ description: 'pw', private: true, pattern: /^.{8,}$/, patternText: 'at least 8 characters' }),
};
const checks = Object.entries(params).map(([name, d]) => ({ name, spec: d.spec, private: d.private }));

describe('fastVerify', () => {
  const script = osDir('fast', { provider: 'x', configDir: '/x', params: checks, verifyNeedsProvider: false });

  it('accepts good values and defaults', () => {
    expect(fastVerify(script, ['parameters'], { OS_API_VERSION: '20', OSP_FILESYSTEM: 'xfs' }, () => undefined)).toBe(0);
    expect(fastVerify(script, ['parameters'], { OS_API_VERSION: '20', OSP_FILESYSTEM: '' }, () => undefined)).toBe(0);
  });

  it('reports every bad value with the reason last, masking private values', () => {
    const lines: string[] = [];
    expect(fastVerify(script, ['parameters'], { OS_API_VERSION: '20', OSP_FILESYSTEM: 'vfat', OSP_PASSWORD: 'short' }, (l) => lines.push(l))).toBe(1);
    expect(lines).toEqual([
      'error[E_PARAM]: OS parameter filesystem must be one of ext4, xfs (got "vfat")',
      'error[E_PARAM]: OS parameter password must be at least 8 characters',
      'error[E_PARAM]: 2 problems: OS parameter filesystem must be one of ext4, xfs (got "vfat"); OS parameter password must be at least 8 characters',
    ]);
    expect(lines.join('\n')).not.toContain('short');
  });

  it('leaves help, other scripts, provider hooks and old manifests to the full runtime', () => {
    expect(fastVerify(script, ['-h'], { OS_API_VERSION: '20' }, () => undefined)).toBeUndefined();
    expect(fastVerify(script.replace(/verify$/, 'create'), [], { OS_API_VERSION: '20' }, () => undefined)).toBeUndefined();
    expect(fastVerify(script, ['parameters'], { OS_API_VERSION: '5' }, () => undefined)).toBeUndefined();
    const hooked = osDir('hooked', { provider: 'x', configDir: '/x', params: checks, verifyNeedsProvider: true });
    expect(fastVerify(hooked, ['parameters'], { OS_API_VERSION: '20' }, () => undefined)).toBeUndefined();
    const old = osDir('old', { provider: 'x', configDir: '/x' });
    expect(fastVerify(old, ['parameters'], { OS_API_VERSION: '20' }, () => undefined)).toBeUndefined();
  });
});

describe('fast no-op operations', () => {
  const create = osDir('noopish', { provider: 'noop', configDir: '/x', params: [], verifyNeedsProvider: false, noOp: ['create', 'rename'] }).replace(/verify$/, 'create');
  const env = { OS_API_VERSION: '15', OS_NAME: 'noop', OS_VARIANT: '', INSTANCE_NAME: 'i1', DISK_COUNT: '0', NIC_COUNT: '0' };

  it('succeeds on a valid environment without loading the provider', () => {
    expect(fastVerify(create, [], env, () => undefined)).toBe(0);
  });

  it('still checks the environment, every problem and the reason last', () => {
    const lines: string[] = [];
    expect(fastVerify(create, [], { ...env, INSTANCE_NAME: undefined, NIC_COUNT: 'x' }, (l) => lines.push(l))).toBe(1);
    expect(lines[0]).toMatch(/^error\[E_ENV\]: INSTANCE_NAME is missing/);
    expect(lines[lines.length - 1]).toMatch(/^error\[E_ENV\]: 2 problems: /);
  });

  it('leaves operations that do something to the full runtime', () => {
    expect(fastVerify(create.replace(/create$/, 'export'), [], env, () => undefined)).toBeUndefined();
  });
});
