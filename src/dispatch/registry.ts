/**
 * Built-in providers, loaded lazily so each script pays only for the provider it runs, and custom
 * providers loaded from the module path recorded at install time.
 */
import { pathToFileURL } from 'node:url';
import { OsError } from '../runtime/errors.js';
import type { AnyProvider } from '../sdk/types.js';

type Loader = () => Promise<{ default: AnyProvider }>;

const builtins: Record<string, Loader> = {
  noop: () => import('../../providers/noop/index.js'),
  debootstrap: () => import('../../providers/debootstrap/index.js'),
};

export function builtinProviderNames(): string[] {
  return Object.keys(builtins);
}

export function isBuiltinProvider(name: string): boolean {
  return Object.hasOwn(builtins, name);
}

export async function loadProvider(name: string, modulePath?: string): Promise<AnyProvider> {
  let mod: { default?: unknown };
  if (modulePath) {
    try {
      mod = (await import(pathToFileURL(modulePath).href)) as { default?: unknown };
    } catch (e) {
      throw new OsError('E_PROVIDER_LOAD', `cannot load provider module ${modulePath}: ${(e as Error).message}`, {
        hint: 'reinstall it with `ganeti-os install --provider PATH`',
        cause: e,
      });
    }
  } else {
    const loader = builtins[name];
    if (!loader) {
      throw new OsError('E_PROVIDER_UNKNOWN', `no built-in provider named ${JSON.stringify(name)}`, {
        hint: `built-in providers: ${builtinProviderNames().join(', ')}; for your own, use --provider PATH`,
      });
    }
    mod = await loader();
  }
  return checkProvider(mod.default, modulePath ?? name);
}

export function checkProvider(p: unknown, from: string): AnyProvider {
  const problems: string[] = [];
  const o = p as Partial<AnyProvider> | undefined;
  if (!o || typeof o !== 'object') {
    throw new OsError('E_PROVIDER_INVALID', `${from} has no default export (a provider made with defineProvider)`, {
      hint: 'export default defineProvider({ name, description, params, create, export, import, rename })',
    });
  }
  if (typeof o.name !== 'string' || !/^[a-zA-Z0-9_-]+$/.test(o.name)) problems.push('name must match ^[a-zA-Z0-9_-]+$');
  if (typeof o.description !== 'string') problems.push('description is missing');
  if (typeof o.params !== 'object') problems.push('params is missing');
  for (const op of ['create', 'export', 'import', 'rename'] as const) if (typeof o[op] !== 'function') problems.push(`${op}() is missing`);
  if (problems.length > 0) {
    throw new OsError('E_PROVIDER_INVALID', `${from} is not a valid provider: ${problems.join('; ')}`, {
      hint: 'see README "Writing a provider"',
    });
  }
  return o as AnyProvider;
}
