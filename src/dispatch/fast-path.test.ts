import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dir as tmpDir } from 'tmp-promise';
import { afterAll, describe, expect, it } from 'vitest';
import { param } from '../sdk/params.js';
import { fileStamp } from '../ganeti/manifest.js';
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

describe('fastPath: verify checks OS_VARIANT against the published record', () => {
  const variantFile = join(dir, 'bookworm.yaml');
  const adminFile = join(dir, 'admin-bookworm.yaml');
  writeFileSync(variantFile, 'suite: bookworm\n');
  const record = [
    { name: 'default', files: [] },
    { name: 'bookworm', files: [variantFile, adminFile].map((path) => ({ path, stamp: fileStamp(path) })) },
  ];
  const script = osDir('variants', {
    provider: 'debootstrap',
    configDir: '/x',
    params: checks,
    verifyNeedsProvider: false,
    variants: record,
  });
  const env = { OS_API_VERSION: '20', OS_VARIANT: 'bookworm' };
  const run = (
    e: Record<string, string>,
    s = script,
  ): { code: ReturnType<typeof fastPath>; lines: string[] } => {
    const lines: string[] = [];
    return { code: fastPath(s, ['parameters'], e, (l) => lines.push(l)), lines };
  };

  it('accepts a published variant whose files did not change, and an empty one, silently', () => {
    expect(run(env)).toEqual({ code: 0, lines: [] });
    expect(run({ ...env, OS_VARIANT: '' })).toEqual({ code: 0, lines: [] });
  });

  it('refuses a name that is not published, in one line with the published names', () => {
    expect(run({ ...env, OS_VARIANT: 'sid' })).toEqual({
      code: 1,
      lines: [
        'error[E_VARIANT_UNKNOWN]: variant sid is not published by debootstrap (hint: choose one of: default, bookworm; see `ganeti-os variants list debootstrap`)',
      ],
    });
  });

  it('reports bad parameters before an unpublished variant, as the full runtime does', () => {
    const r = run({ ...env, OS_VARIANT: 'sid', OSP_FILESYSTEM: 'vfat' });
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^error\[E_PARAM\]/);
  });

  it('hands an edited variant, a new admin file over it and a moved configuration to the full runtime', () => {
    writeFileSync(variantFile, 'suite: trixie\n');
    expect(run(env).code).toBeUndefined();
    writeFileSync(variantFile, 'suite: bookworm\n');
    utimesSync(variantFile, 1, 1);
    expect(run(env).code).toBeUndefined();
    // The other variants keep their answer.
    expect(run({ ...env, OS_VARIANT: 'default' }).code).toBe(0);
    const fresh = osDir('variants-fresh', {
      provider: 'debootstrap',
      configDir: '/x',
      params: checks,
      verifyNeedsProvider: false,
      variants: [
        {
          name: 'bookworm',
          files: [
            { path: variantFile, stamp: fileStamp(variantFile) },
            { path: adminFile, stamp: 'absent' },
          ],
        },
      ],
    });
    expect(run(env, fresh).code).toBe(0);
    expect(run({ ...env, GANETI_OS_CONFIG_DIR: '/elsewhere' }, fresh).code).toBeUndefined();
    writeFileSync(adminFile, 'extend: bookworm\n');
    expect(run(env, fresh).code).toBeUndefined();
  });

  it('hands a variant publishing skipped as broken to the full runtime, to name its file and line', () => {
    const skipped = osDir('variants-skipped', {
      provider: 'debootstrap',
      configDir: '/x',
      params: checks,
      verifyNeedsProvider: false,
      variants: [{ name: 'default', files: [] }],
      skippedVariants: ['broken'],
    });
    expect(run({ ...env, OS_VARIANT: 'broken' }, skipped).code).toBeUndefined();
    expect(run({ ...env, OS_VARIANT: 'other' }, skipped).code).toBe(1);
  });

  it('hands a variant to the full runtime when the manifest has no record; checks none without variant files', () => {
    const old = osDir('variants-old', {
      provider: 'debootstrap',
      configDir: '/x',
      params: checks,
      verifyNeedsProvider: false,
    });
    expect(run(env, old).code).toBeUndefined();
    expect(run({ ...env, OS_VARIANT: '' }, old).code).toBe(0);
    const none = osDir('variants-none', {
      provider: 'motd',
      configDir: '/x',
      params: checks,
      verifyNeedsProvider: false,
      variants: null,
    });
    expect(run({ ...env, OS_VARIANT: 'anything' }, none).code).toBe(0);
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
