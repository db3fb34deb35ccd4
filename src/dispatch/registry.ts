/**
 * Where providers come from: the built-in list, handed in by the entry points (src/bin/) from
 * providers/index.ts and loaded lazily so each script pays only for the provider it runs, and
 * custom providers loaded from the module path recorded at install time.
 */
import { pathToFileURL } from 'node:url';
import { OsError } from '../runtime/errors.js';
import { OS_NAME } from '../ganeti/names.js';
import type { AnyProvider } from '../sdk/types.js';

/** Loads one built-in provider's module, e.g. `() => import('./noop/index.js')`. */
export type ProviderLoader = () => Promise<{ default: AnyProvider }>;

/** The built-in providers by OS name. */
export type BuiltinProviders = Readonly<Record<string, ProviderLoader>>;

export class Registry {
  constructor(private readonly builtins: BuiltinProviders) {}

  /** Names of the built-in providers. */
  names(): string[] {
    return Object.keys(this.builtins);
  }

  /** The built-in provider `name`, or the custom provider bundled at `modulePath`. */
  async load(name: string, modulePath?: string): Promise<AnyProvider> {
    let mod: { default?: unknown };
    if (modulePath) {
      try {
        mod = (await import(pathToFileURL(modulePath).href)) as { default?: unknown };
      } catch (e) {
        throw new OsError(
          'E_PROVIDER_LOAD',
          `cannot load provider module ${modulePath}: ${(e as Error).message}`,
          {
            hint: 'reinstall it with `ganeti-os install --provider PATH`',
            cause: e,
          },
        );
      }
    } else {
      const loader = Object.hasOwn(this.builtins, name) ? this.builtins[name] : undefined;
      if (!loader) {
        throw new OsError('E_PROVIDER_UNKNOWN', `no built-in provider named ${JSON.stringify(name)}`, {
          hint: `built-in providers: ${this.names().join(', ')}; for your own, use --provider PATH`,
        });
      }
      mod = await loader();
    }
    return checkProvider(mod.default, modulePath ?? name);
  }
}

function checkProvider(p: unknown, from: string): AnyProvider {
  const problems: string[] = [];
  const o = p as Partial<AnyProvider> | undefined;
  if (!o || typeof o !== 'object') {
    throw new OsError(
      'E_PROVIDER_INVALID',
      `${from} has no default export (a provider made with defineProvider)`,
      {
        hint: 'export default defineProvider({ name, description, params, create })',
      },
    );
  }
  if (typeof o.name !== 'string' || !OS_NAME.test(o.name)) problems.push(`name must match ${OS_NAME.source}`);
  if (typeof o.description !== 'string') problems.push('description is missing');
  if (typeof o.params !== 'object') problems.push('params is missing');
  // The operations are optional (the script answers a missing one with E_UNSUPPORTED), not mistyped.
  for (const op of ['create', 'export', 'import', 'rename'] as const)
    if (o[op] !== undefined && typeof o[op] !== 'function') problems.push(`${op} must be a function`);
  if (problems.length > 0) {
    throw new OsError('E_PROVIDER_INVALID', `${from} is not a valid provider: ${problems.join('; ')}`, {
      hint: 'see README "Writing a provider"',
    });
  }
  return o as AnyProvider;
}
