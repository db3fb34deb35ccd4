/**
 * Custom providers: an admin's module (TypeScript or JavaScript) is bundled with esbuild into
 * <libDir>/providers/<basename>.mjs, with `ganeti-os/sdk` resolved to the installed SDK so the
 * provider shares our runtime (one OsError class, one logger).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { OsError } from '../runtime/errors.js';

export async function bundleCustomProvider(source: string, libDir: string): Promise<string> {
  const src = resolve(source);
  if (!existsSync(src)) throw new OsError('E_PROVIDER_LOAD', `provider module ${src} does not exist`, { hint: 'pass the path of your provider file' });
  const outDir = join(libDir, 'providers');
  mkdirSync(outDir, { recursive: true, mode: 0o755 });
  const out = join(outDir, `${basename(src, extname(src))}.mjs`);
  const sdk = join(libDir, 'sdk.mjs');
  const { build } = await import('esbuild');
  try {
    await build({
      entryPoints: [src],
      outfile: out,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
      banner: { js: "import {createRequire as __cr} from 'node:module'; const require = __cr(import.meta.url);" },
      plugins: [
        {
          name: 'ganeti-os-sdk',
          setup(b) {
            b.onResolve({ filter: /^ganeti-os(\/sdk)?$/ }, () => ({ path: sdk, external: true }));
          },
        },
      ],
    });
  } catch (e) {
    throw new OsError('E_PROVIDER_BUILD', `cannot bundle ${src}: ${(e as Error).message.split('\n')[0] ?? ''}`, {
      hint: 'fix the module so `esbuild --bundle` accepts it',
      cause: e,
    });
  }
  return out;
}
