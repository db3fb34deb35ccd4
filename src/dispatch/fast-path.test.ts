import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dir as tmpDir } from 'tmp-promise';
import { afterAll, describe, expect, it } from 'vitest';
import { param } from '../sdk/params.js';
import { fastPath } from './fast-path.js';
import { runFastOp } from './fast-ops.js';

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
  password: param.string({
    description: 'pw',
    private: true,
    pattern: /^.{8,}$/,
    patternText: 'at least 8 characters',
  }),
};
const checks = Object.entries(params).map(([name, d]) => ({ name, spec: d.spec, private: d.private }));

describe('fastPath: verify', () => {
  const script = osDir('fast', {
    provider: 'x',
    configDir: '/x',
    params: checks,
    verifyNeedsProvider: false,
  });

  it('accepts good values and defaults', () => {
    expect(
      fastPath(script, ['parameters'], { OS_API_VERSION: '20', OSP_FILESYSTEM: 'xfs' }, () => undefined),
    ).toBe(0);
    expect(
      fastPath(script, ['parameters'], { OS_API_VERSION: '20', OSP_FILESYSTEM: '' }, () => undefined),
    ).toBe(0);
  });

  it('reports every bad value with the reason last, masking private values', () => {
    const lines: string[] = [];
    expect(
      fastPath(
        script,
        ['parameters'],
        { OS_API_VERSION: '20', OSP_FILESYSTEM: 'vfat', OSP_PASSWORD: 'short' },
        (l) => lines.push(l),
      ),
    ).toBe(1);
    expect(lines).toEqual([
      'error[E_PARAM]: OS parameter filesystem must be one of ext4, xfs (got "vfat") (hint: accepted: ext4|xfs; see parameters.list)',
      'error[E_PARAM]: OS parameter password must be at least 8 characters (hint: accepted: at least 8 characters; see parameters.list)',
      'error[E_PARAM]: 2 problems: OS parameter filesystem must be one of ext4, xfs (got "vfat"); OS parameter password must be at least 8 characters (hint: accepted: ext4|xfs; see parameters.list)',
    ]);
    expect(lines.join('\n')).not.toContain('short');
  });

  it('leaves help, other scripts, provider hooks and old manifests to the full runtime', () => {
    expect(fastPath(script, ['-h'], { OS_API_VERSION: '20' }, () => undefined)).toBeUndefined();
    expect(
      fastPath(script.replace(/verify$/, 'create'), [], { OS_API_VERSION: '20' }, () => undefined),
    ).toBeUndefined();
    expect(fastPath(script, ['parameters'], { OS_API_VERSION: '5' }, () => undefined)).toBeUndefined();
    const hooked = osDir('hooked', {
      provider: 'x',
      configDir: '/x',
      params: checks,
      verifyNeedsProvider: true,
    });
    expect(fastPath(hooked, ['parameters'], { OS_API_VERSION: '20' }, () => undefined)).toBeUndefined();
    const old = osDir('old', { provider: 'x', configDir: '/x' });
    expect(fastPath(old, ['parameters'], { OS_API_VERSION: '20' }, () => undefined)).toBeUndefined();
  });
});

describe('fast operations', () => {
  const create = osDir('noopish', {
    provider: 'noop',
    configDir: '/x',
    params: [],
    verifyNeedsProvider: false,
    noOp: ['create', 'rename'],
    rawStreams: true,
  }).replace(/verify$/, 'create');
  const env = {
    OS_API_VERSION: '15',
    OS_NAME: 'noop',
    OS_VARIANT: '',
    INSTANCE_NAME: 'i1',
    DISK_COUNT: '0',
    NIC_COUNT: '0',
  };

  it('hands declared no-ops and raw streams to fast-ops', () => {
    expect(fastPath(create, [], env, () => undefined)).toBe('fast-op');
    expect(fastPath(create.replace(/create$/, 'export'), [], env, () => undefined)).toBe('fast-op');
  });

  it('no-op operations still check the environment, every problem and the reason last', async () => {
    expect(await runFastOp('create', env, () => undefined)).toBe(0);
    const lines: string[] = [];
    expect(
      await runFastOp('create', { ...env, INSTANCE_NAME: undefined, NIC_COUNT: 'x' }, (l) => lines.push(l)),
    ).toBe(1);
    expect(lines[0]).toMatch(/^error\[E_ENV\]: INSTANCE_NAME is missing/);
    expect(lines[lines.length - 1]).toMatch(/^error\[E_ENV\]: 2 problems: /);
  });

  it('leaves the rest to the full runtime', () => {
    const plain = osDir('plain', { provider: 'x', configDir: '/x', params: [], verifyNeedsProvider: false });
    expect(fastPath(plain.replace(/verify$/, 'create'), [], env, () => undefined)).toBeUndefined();
  });
});
