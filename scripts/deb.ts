/**
 * Build the Debian package ganeti-os_<version>_all.deb with dpkg-deb (no network): the bundle
 * (`npm run build`), the shipped hooks and variants, the ganeti-os(8) man page generated from the
 * CLI's definitions, the docs, and /usr/bin/ganeti-os. Layout and control data: scripts/deb-control.ts.
 *
 * Usage: tsx scripts/deb.ts [--out DIR] [--no-build]   (default DIR: dist/)
 * Environment: DEBFULLNAME and DEBEMAIL name the maintainer; SOURCE_DATE_EPOCH dates the build.
 */
import { execa } from 'execa';
import { gzipSync } from 'node:zlib';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type BundledPackage,
  changelog,
  controlFile,
  copyright,
  foreignOwnerPath,
  launcher,
  LAYOUT,
} from './deb-control.js';

process.umask(0o022);
const { values: args } = parseArgs({
  options: { out: { type: 'string', default: 'dist' }, 'no-build': { type: 'boolean', default: false } },
});
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string; description: string };
const outDir = resolve(args.out);
const maintainer = `${process.env.DEBFULLNAME ?? 'ganeti-os developers'} <${process.env.DEBEMAIL ?? 'ganeti-os@localhost'}>`;

async function buildDate(): Promise<Date> {
  const epoch =
    process.env.SOURCE_DATE_EPOCH ??
    (await execa('git', ['log', '-1', '--format=%ct'], { reject: false })).stdout;
  return /^\d+$/.test(epoch.trim()) ? new Date(Number(epoch.trim()) * 1000) : new Date();
}

/** Writes `data` at the package path `path` below `root` (directories 0755), with `mode`. */
function put(root: string, path: string, data: string | Buffer, mode = 0o644): void {
  const owner = foreignOwnerPath(path);
  if (owner) throw new Error(`${path} is below ${owner}, which other packages or ganeti-os install own`);
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  writeFileSync(file, data);
  chmodSync(file, mode);
}

/** Copies the tree `src` to `dest` (files keep only whether they are executable). */
function putTree(
  root: string,
  src: string,
  dest: string,
  keep: (name: string) => boolean = () => true,
): void {
  for (const name of readdirSync(src).sort()) {
    const from = join(src, name);
    const st = statSync(from);
    if (st.isDirectory()) putTree(root, from, join(dest, name), keep);
    else if (st.isFile() && keep(name))
      put(root, join(dest, name), readFileSync(from), st.mode & 0o100 ? 0o755 : 0o644);
  }
}

/** Docs go compressed when larger than 4 KiB, as Debian policy asks. */
function putDoc(root: string, src: string, name: string): void {
  const data = readFileSync(src);
  if (data.length > 4096) put(root, join(LAYOUT.doc, `${name}.gz`), gzipSync(data, { level: 9 }));
  else put(root, join(LAYOUT.doc, name), data);
}

/** The npm packages the bundle can include: the lockfile's non-development packages, esbuild aside. */
function bundledPackages(): BundledPackage[] {
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
    packages: Record<string, { version?: string; license?: string; dev?: boolean; devOptional?: boolean }>;
  };
  return Object.entries(lock.packages)
    .filter(([p, e]) => p.startsWith('node_modules/') && !e.dev && !e.devOptional)
    .map(([p, e]) => ({
      name: p.slice(p.lastIndexOf('node_modules/') + 13),
      version: e.version ?? '',
      license: e.license ?? 'see the package',
    }))
    .filter((p) => !/^(@esbuild\/|esbuild$)/.test(p.name))
    .sort((a, b) => a.name.localeCompare(b.name));
}

async function manPage(date: Date): Promise<string> {
  const { Registry } = await import('../src/dispatch/registry.js');
  const { Logger } = await import('../src/runtime/logger.js');
  const { DEFAULTS } = await import('../src/ganeti/defaults.js');
  await import('../src/cli/all-commands.js');
  const { buildProgram } = await import('../src/cli/program.js');
  const { renderManPage } = await import('../src/cli/manpage.js');
  const { builtinProviders } = await import('../providers/index.js');
  const names = Object.keys(builtinProviders);
  const program = buildProgram({
    log: new Logger('info'),
    out: () => undefined,
    distDir: join(LAYOUT.share, 'dist'),
    packageRoot: LAYOUT.share,
    providers: new Registry(builtinProviders),
    configRoot: undefined,
  });
  return renderManPage(program, {
    section: 8,
    version: pkg.version,
    date: date.toISOString().slice(0, 10),
    extraSections: [
      {
        title: 'Providers',
        paragraphs: [
          `Built in: ${names.join(', ')}. Each is installed as a Ganeti OS by "ganeti-os install [name...]"; its README is in ${LAYOUT.doc}.`,
        ],
      },
      {
        title: 'Files',
        paragraphs: [
          `${DEFAULTS.osDir}: the OS directories "ganeti-os install" writes (--os-dir).`,
          `${DEFAULTS.libDir}: the installed copy of the bundle that the OS scripts run (--lib-dir).`,
          `${DEFAULTS.configRoot}/instance-<os>: variants, hooks and defaults of each OS (--config-root).`,
          `${DEFAULTS.cacheRoot}/<os>: bootstrap caches and downloaded images (--cache-root).`,
          `${LAYOUT.share}: the packaged bundle, stock hooks and shipped variants.`,
        ],
      },
      {
        title: 'Coexistence',
        paragraphs: [
          'Debian\'s ganeti-instance-debootstrap and ganeti-os-noop provide OSes named debootstrap and noop in /usr/share/ganeti/os. Ganeti runs the first directory of its OS search path that holds a name, and gnt-os diagnose fails while a name is in two. "ganeti-os install" refuses such a clash and names the choices: install ours under another name (--as), shadow the other one (--force), or remove the other package.',
        ],
      },
      {
        title: 'See also',
        paragraphs: [`gnt-os(8), gnt-instance(8), gnt-backup(8), ${LAYOUT.doc}/README.md.gz`],
      },
    ],
  });
}

function md5sums(root: string): string {
  const lines: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (relative(root, p) === 'DEBIAN') continue;
      if (statSync(p).isDirectory()) walk(p);
      else lines.push(`${createHash('md5').update(readFileSync(p)).digest('hex')}  ${relative(root, p)}`);
    }
  };
  walk(root);
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  if (!args['no-build'])
    await execa(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { stdio: 'inherit' });
  if (!existsSync('dist/ganeti-os.mjs') || !existsSync('dist/script.cjs')) {
    throw new Error('dist/ has no bundle: run `npm run build` (or drop --no-build)');
  }
  const date = await buildDate();
  mkdirSync(outDir, { recursive: true });
  const stage = mkdtempSync(join(outDir, '.deb-'));
  try {
    const root = join(stage, 'root');
    putTree(root, 'dist', join(LAYOUT.share, 'dist'), (n) => n.endsWith('.mjs') || n.endsWith('.cjs'));
    putTree(root, 'hooks', join(LAYOUT.share, 'hooks'), (n) => !n.endsWith('.test.ts'));
    putTree(root, 'variants', join(LAYOUT.share, 'variants'));
    put(root, LAYOUT.launcher, launcher(), 0o755);
    put(root, LAYOUT.man, gzipSync(await manPage(date), { level: 9 }));
    putDoc(root, 'README.md', 'README.md');
    for (const f of readdirSync('docs').filter((n) => n.endsWith('.md'))) putDoc(root, join('docs', f), f);
    for (const p of readdirSync('providers').sort()) {
      const readme = join('providers', p, 'README.md');
      if (existsSync(readme)) putDoc(root, readme, `README.${p}.md`);
    }
    put(root, join(LAYOUT.doc, 'copyright'), copyright(bundledPackages()));
    put(
      root,
      join(LAYOUT.doc, 'changelog.gz'),
      gzipSync(changelog({ version: pkg.version, maintainer }, date), { level: 9 }),
    );
    const du = await execa('du', ['-s', '-k', '--apparent-size', root]);
    const control = controlFile({
      version: pkg.version,
      maintainer,
      installedSizeKiB: Number(du.stdout.split('\t')[0]),
      description: pkg.description,
    });
    mkdirSync(join(root, 'DEBIAN'), { mode: 0o755 });
    writeFileSync(join(root, 'DEBIAN', 'control'), control);
    writeFileSync(join(root, 'DEBIAN', 'md5sums'), md5sums(root));
    const deb = join(outDir, `ganeti-os_${pkg.version}_all.deb`);
    await execa('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', root, deb], {
      env: { SOURCE_DATE_EPOCH: String(Math.floor(date.getTime() / 1000)) },
    });
    console.log(`built ${relative(process.cwd(), deb) || basename(deb)}`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

await main();
