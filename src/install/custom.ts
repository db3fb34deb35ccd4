/**
 * Custom providers: an admin's module (TypeScript or JavaScript) is bundled with esbuild into
 * <libDir>/providers/<basename>-<hash of its path>.mjs (two `provider.ts` in different folders are
 * two bundles), with `ganeti-os/sdk` and `ganeti-os/sdk/linux` resolved to the installed SDK so
 * the provider shares our runtime (one OsError class, one logger, one pipeline).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { OsError } from '../runtime/errors.js';

/** The installed SDK module each import specifier resolves to. */
const SDK_MODULES: Readonly<Record<string, string>> = {
  'ganeti-os': 'sdk.mjs',
  'ganeti-os/sdk': 'sdk.mjs',
  'ganeti-os/sdk/linux': 'sdk-linux.mjs',
};

/** Where the bundle of the provider module at `src` (an absolute path) goes. */
function bundleName(src: string): string {
  return `${basename(src, extname(src))}-${createHash('sha256').update(src).digest('hex').slice(0, 12)}.mjs`;
}

export async function bundleCustomProvider(source: string, libDir: string): Promise<string> {
  const src = resolve(source);
  if (!existsSync(src))
    throw new OsError('E_PROVIDER_LOAD', `provider module ${src} does not exist`, {
      hint: 'pass the path of your provider file',
    });
  const outDir = join(libDir, 'providers');
  mkdirSync(outDir, { recursive: true, mode: 0o755 });
  const out = join(outDir, bundleName(src));
  const { build } = await import('esbuild').catch((e: unknown) => {
    throw new OsError('E_PROVIDER_BUILD', `cannot bundle ${src}: esbuild is not installed`, {
      hint: 'custom providers need the esbuild npm package where ganeti-os runs (a source checkout with `npm ci`)',
      cause: e,
    });
  });
  try {
    await build({
      entryPoints: [src],
      outfile: out,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node18',
      logLevel: 'silent',
      banner: {
        js: "import {createRequire as __cr} from 'node:module'; const require = __cr(import.meta.url);",
      },
      plugins: [
        {
          name: 'ganeti-os-sdk',
          setup(b) {
            b.onResolve({ filter: /^ganeti-os(\/sdk(\/linux)?)?$/ }, (a) => ({
              path: join(libDir, SDK_MODULES[a.path]!),
              external: true,
            }));
          },
        },
      ],
    });
  } catch (e) {
    throw new OsError(
      'E_PROVIDER_BUILD',
      `cannot bundle ${src}: ${(e as Error).message.split('\n')[0] ?? ''}`,
      {
        hint: 'fix the module so `esbuild --bundle` accepts it',
        cause: e,
      },
    );
  }
  return out;
}
