/**
 * Bundle the CLI, the Ganeti script entry and the SDK with esbuild (split chunks, lazy per script),
 * and emit the SDK's type declarations (dist/types/, package.json `exports`) with tsc meanwhile.
 */
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
rmSync('dist', { recursive: true, force: true });
// tsc takes longer than the bundles: started first, awaited last. Like the bundles it does not gate on
// type errors (`npm run typecheck` does): exit 2 means they were reported and the files still written.
const declarations = promisify(execFile)(process.execPath, [
  createRequire(import.meta.url).resolve('typescript/bin/tsc'),
  '-p',
  'tsconfig.sdk.json',
]).catch((e: unknown) => {
  const { code, stdout = '', stderr = '' } = e as { code?: number; stdout?: string; stderr?: string };
  if (code === 2) return console.warn(`warning: type errors in the SDK declarations:\n${stdout}${stderr}`);
  throw new Error(`SDK declarations (tsc -p tsconfig.sdk.json) failed:\n${stdout}${stderr}`, { cause: e });
});
await build({
  entryPoints: {
    'ganeti-os': 'src/bin/cli.ts',
    script: 'src/bin/script.ts',
    sdk: 'src/sdk/index.ts',
    'sdk-linux': 'src/sdk/linux.ts',
  },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node18',
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunk-[hash]',
  minify: true,
  sourcemap: true,
  external: ['esbuild'],
  loader: { '.hbs': 'text' },
  define: { __GANETI_OS_VERSION__: JSON.stringify(pkg.version) },
  banner: {
    js: "#!/usr/bin/env node\nimport {createRequire as __cr} from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});
// The script entry and its fast operations: CommonJS, each self-contained, the cheapest to start.
for (const [entry, out] of [
  ['src/bin/script-entry.ts', 'dist/script.cjs'],
  ['src/bin/fast-ops.ts', 'dist/fast-ops.cjs'],
]) {
  await build({
    entryPoints: [entry!],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node18',
    outfile: out,
    minify: true,
    ...(out === 'dist/script.cjs' ? { banner: { js: '#!/usr/bin/env node' } } : {}),
    logLevel: 'warning',
  });
}
chmodSync('dist/ganeti-os.mjs', 0o755);
chmodSync('dist/script.cjs', 0o755);
chmodSync('dist/script.mjs', 0o755);
await declarations;
console.log('built dist/ (ganeti-os.mjs, script.mjs, sdk.mjs, sdk-linux.mjs, types/)');
