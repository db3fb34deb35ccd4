import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { param } from '../provider/params.js';
import { fastVerify } from './verify-fast.js';

const dir = mkdtempSync(join(tmpdir(), 'gos-fastverify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
