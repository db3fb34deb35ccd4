/** Bundle the CLI, the Ganeti script entry and the SDK with esbuild (split chunks, lazy per script). */
import { build } from 'esbuild';
import { chmodSync, readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { 'ganeti-os': 'src/bin/cli.ts', script: 'src/bin/script.ts', sdk: 'src/sdk/index.ts', 'sdk-linux': 'src/sdk/linux.ts' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
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
    target: 'node20',
    outfile: out,
    minify: true,
    ...(out === 'dist/script.cjs' ? { banner: { js: '#!/usr/bin/env node' } } : {}),
    logLevel: 'warning',
  });
}
chmodSync('dist/ganeti-os.mjs', 0o755);
chmodSync('dist/script.cjs', 0o755);
chmodSync('dist/script.mjs', 0o755);
console.log('built dist/ (ganeti-os.mjs, script.mjs, sdk.mjs, sdk-linux.mjs)');
