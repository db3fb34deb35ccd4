/**
 * The SDK as an admin gets it: the package `npm pack` makes, unpacked into a fresh project that has
 * only typescript and @types/node next to it (none of ganeti-os's own dependencies), and provider
 * modules type-checked there against `ganeti-os/sdk` and `ganeti-os/sdk/linux` with strict settings
 * and skipLibCheck off, under both module resolutions an editor may use. dist/ is the one the
 * system project's global setup builds (scripts/build.ts, as `npm run build`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = process.cwd();
/** What the implementation runs on: an author's types must need none of them. */
const IMPLEMENTATION_PACKAGES = [
  'execa',
  'valibot',
  'yaml',
  'tar-stream',
  'handlebars',
  'commander',
  '@commander-js/extra-typings',
  'esbuild',
];

let work: string;
let project: string;
let pkgDir: string;

/** The plain SDK: a create-only provider (export, import and rename left out) with typed parameters. */
const PLAIN = `
import { defineProvider, OsError, param } from 'ganeti-os/sdk';

export default defineProvider({
  name: 'plain',
  description: 'writes nothing, but checks its parameters',
  params: {
    size: param.size({ description: 'MiB to reserve', default: 1024 }),
    level: param.enum(['low', 'high'], { description: 'how loud', default: 'low' }),
    tags: param.list({ description: 'tags' }),
    token: param.string({ description: 'a secret', private: true }),
  },
  verify(params) {
    const level: 'low' | 'high' = params.level;
    const tags: string[] = params.tags;
    const token: string | undefined = params.token;
    if (level === 'high' && tags.length === 0 && token === undefined) throw new OsError('E_PARAM', 'high needs a tag or a token');
  },
  async create({ instance, params, log, runner, cleanup }) {
    const bytes: number = params.size;
    const disk = instance.disks[0]?.path ?? '';
    cleanup.push('nothing to undo', () => Promise.resolve());
    const r = await runner.run('blockdev', ['--getsize64', disk], { code: 'E_X_PLAIN_SIZE', reject: false });
    log.info(\`\${disk}: \${r.stdout.trim()} bytes, \${String(bytes)} wanted\`);
  },
});
`;

/** The shared Linux pipeline: a provider module and its installer, as README "Writing a provider". */
const LINUX_PROVIDER = `
import { BOOT_KEYS, defineLinuxProvider, defineSchema, DISK_KEYS, GUEST_KEYS, HOOK_KEYS, param, type KeySpec } from 'ganeti-os/sdk';

const COPY_KEYS = [
  { name: 'source', type: 'path', default: '', description: 'the root tree to copy' },
] as const satisfies readonly KeySpec[];
export const copyKeys = [...COPY_KEYS, ...DISK_KEYS, ...BOOT_KEYS, ...GUEST_KEYS, ...HOOK_KEYS] as const;
export const copySchema = defineSchema('copy', copyKeys);
export const copyParams = {
  checksum: param.boolean({ description: 'compare checksums', default: false }),
};

export default defineLinuxProvider({
  name: 'copy',
  description: 'guests copied from a root tree',
  params: copyParams,
  variantConfig: { schema: copySchema },
  installer: () => import('./installer.js').then((m) => m.default),
});
`;

const LINUX_INSTALLER = `
import { linuxSettings, settingsOf, type ParamValues } from 'ganeti-os/sdk';
import { LINUX_FAMILY, loadVariant, type LinuxConfig, type LinuxInstaller } from 'ganeti-os/sdk/linux';
import { copyKeys, copyParams, copySchema } from './provider.js';

interface CopyConfig extends LinuxConfig {
  source: string;
  checksum: boolean;
}

const installer: LinuxInstaller<ParamValues<typeof copyParams>, CopyConfig> = {
  os: 'copy',
  async configure({ paths, variant, runner, params }) {
    const resolved = await loadVariant({ os: 'copy', schema: copySchema }, paths, variant, runner);
    const { source } = settingsOf(copyKeys, resolved.values);
    return { resolved, settings: linuxSettings(resolved.values), source, checksum: params.checksum };
  },
  begin: (cfg, { runner }) => ({
    settled: () => Promise.resolve(),
    async fill(disk) {
      const flags = cfg.checksum ? ['-aHAXSc'] : ['-aHAXS'];
      await runner.run('rsync', [...flags, \`\${cfg.source}/\`, \`\${disk.target}/\`], { code: 'E_X_COPY' });
      return \`copied \${cfg.source}\`;
    },
  }),
  guest: () => ({ family: LINUX_FAMILY }),
  boot: (cfg) => (cfg.settings.boot.bootloader === 'grub' ? 'grub' : 'none'),
};

export default installer;
`;

/** A parameter used as the wrong type: the checker must know its type, not `any`. */
const WRONG = `
import { defineProvider, param } from 'ganeti-os/sdk';

export default defineProvider({
  name: 'wrong',
  description: 'misuses a parameter',
  params: { count: param.integer({ description: 'how many', default: 1 }) },
  create({ params }) {
    const text: string = params.count;
    return Promise.resolve(void text);
  },
});
`;

const STRICT = {
  strict: true,
  skipLibCheck: false,
  noEmit: true,
  noUncheckedIndexedAccess: true,
  target: 'ES2022',
  types: ['node'],
};
const RESOLUTIONS = {
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
  bundler: { module: 'preserve', moduleResolution: 'bundler', exactOptionalPropertyTypes: true },
} as const;

function tsc(config: string): { code: number | null; out: string } {
  const r = spawnSync(
    process.execPath,
    [join(project, 'node_modules/typescript/bin/tsc'), '-p', config, '--pretty', 'false'],
    {
      cwd: project,
      encoding: 'utf8',
    },
  );
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function writeConfig(name: string, resolution: keyof typeof RESOLUTIONS, files: string[]): string {
  writeFileSync(
    join(project, name),
    JSON.stringify({ compilerOptions: { ...STRICT, ...RESOLUTIONS[resolution] }, files }, null, 2),
  );
  return name;
}

/** Strip comments, so that an `import('./x.js')` in a doc comment is not taken for an import. */
const code = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

/** The declaration files the two entry points reach, and the bare specifiers they import. */
function reachable(typesRoot: string): { files: string[]; bare: Map<string, string[]> } {
  const seen = new Set<string>();
  const bare = new Map<string, string[]>();
  const queue = [join(typesRoot, 'sdk/index.d.ts'), join(typesRoot, 'sdk/linux.d.ts')];
  for (let f = queue.pop(); f !== undefined; f = queue.pop()) {
    if (seen.has(f)) continue;
    seen.add(f);
    for (const m of code(readFileSync(f, 'utf8')).matchAll(
      /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g,
    )) {
      const spec = m[1]!;
      if (spec.startsWith('.')) queue.push(resolve(dirname(f), spec.replace(/\.js$/, '.d.ts')));
      else bare.set(spec, [...(bare.get(spec) ?? []), relative(typesRoot, f)]);
    }
  }
  return { files: [...seen].map((f) => relative(typesRoot, f)), bare };
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist/types/sdk/index.d.ts')))
    throw new Error('dist/types/ is missing: run `npm run build`');
  work = mkdtempSync(join(tmpdir(), 'gos-sdk-package-'));
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
      cwd: root,
      encoding: 'utf8',
    }),
  ) as { filename: string }[];
  project = join(work, 'project');
  pkgDir = join(project, 'node_modules/ganeti-os');
  mkdirSync(pkgDir, { recursive: true });
  execFileSync('tar', ['-xzf', join(work, packed[0]!.filename), '-C', pkgDir, '--strip-components=1']);
  // The author's own tools, and nothing else: copies, so no resolution can climb back into this repo.
  symlinkSync(join(root, 'node_modules/typescript'), join(project, 'node_modules/typescript'));
  for (const dep of ['@types/node', 'undici-types'])
    cpSync(join(root, 'node_modules', dep), join(project, 'node_modules', dep), {
      recursive: true,
      dereference: true,
    });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'my-providers', private: true, type: 'module' }),
  );
  writeFileSync(join(project, 'plain.ts'), PLAIN);
  writeFileSync(join(project, 'provider.ts'), LINUX_PROVIDER);
  writeFileSync(join(project, 'installer.ts'), LINUX_INSTALLER);
  writeFileSync(join(project, 'wrong.ts'), WRONG);
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed SDK, outside this repository', () => {
  it('ships both entry points with their declarations, and no dependency beside them', () => {
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
      exports: Record<string, { types: string; default: string }>;
    };
    for (const entry of ['./sdk', './sdk/linux']) {
      const target = pkg.exports[entry]!;
      expect(existsSync(join(pkgDir, target.types)), `${entry} types`).toBe(true);
      expect(existsSync(join(pkgDir, target.default)), `${entry} module`).toBe(true);
    }
    expect(readdirSync(join(project, 'node_modules')).sort()).toEqual([
      '@types',
      'ganeti-os',
      'typescript',
      'undici-types',
    ]);
  });

  it('declares nothing that needs an implementation package', () => {
    const { files, bare } = reachable(join(pkgDir, 'dist/types'));
    expect(files).toContain('sdk/linux-provider.d.ts');
    expect(files).toContain('disk/index.d.ts');
    expect([...bare.keys()].filter((s) => !s.startsWith('node:'))).toEqual([]);
    const mentions = new RegExp(`['"](${IMPLEMENTATION_PACKAGES.join('|')})(/[^'"]*)?['"]`);
    const offenders = files.filter((f) =>
      mentions.test(code(readFileSync(join(pkgDir, 'dist/types', f), 'utf8'))),
    );
    expect(offenders).toEqual([]);
  });

  for (const resolution of Object.keys(RESOLUTIONS) as (keyof typeof RESOLUTIONS)[]) {
    it(`type-checks a plain provider and a Linux one (moduleResolution ${resolution}, strict, skipLibCheck off)`, () => {
      const r = tsc(
        writeConfig(`tsconfig.${resolution}.json`, resolution, ['plain.ts', 'provider.ts', 'installer.ts']),
      );
      expect(r.out).toBe('');
      expect(r.code).toBe(0);
    });

    it(`infers the parameter types (moduleResolution ${resolution})`, () => {
      const r = tsc(writeConfig(`tsconfig.wrong-${resolution}.json`, resolution, ['wrong.ts']));
      expect(r.code).not.toBe(0);
      const errors = r.out.split('\n').filter((l) => / error TS\d+:/.test(l));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(
        /^wrong\.ts\(9,11\): error TS2322: Type 'number' is not assignable to type 'string'\./,
      );
    });
  }
});
