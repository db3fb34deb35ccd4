/**
 * Where a guix variant's files come from: the variant itself (the shared loader, with the OS
 * parameters over it), its configuration (the `config` key, else `<variant>.scm` in the admin's
 * variants directory, else in the shipped one) and the ganeti-os library every shipped
 * configuration loads (`lib/ganeti-os.scm`, the admin's before the shipped one; in `lib/`, so the
 * variant listing never takes it for a variant).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { OsError, type ProviderPaths, type Runner } from 'ganeti-os/sdk';
import { loadVariant, type ResolvedVariant } from 'ganeti-os/sdk/linux';
import { applyParams, type GuixParams } from './plan.js';
import { CONFIG_EXTENSION, GUIX_VARIANTS, guixVariant, type GuixVariant } from './schema.js';

/** The library's place below a variants directory. */
export const LIBRARY_FILE = join('lib', 'ganeti-os.scm');

/** The variant `name` with the OS parameters over it (one OsError for what cannot work). */
export async function loadGuixVariant(
  paths: ProviderPaths,
  name: string,
  params: GuixParams,
  runner: Runner,
): Promise<{ resolved: ResolvedVariant; variant: GuixVariant }> {
  const resolved = await loadVariant(GUIX_VARIANTS, paths, name, runner);
  return { resolved, variant: applyParams(guixVariant(resolved.values), params) };
}

/** The admin's variants directory, then the shipped one (when the paths have one). */
function variantsDirs(paths: ProviderPaths): string[] {
  return [
    join(paths.configDir, 'variants'),
    ...(paths.shareDir ? [join(paths.shareDir, 'variants', 'guix')] : []),
  ];
}

/**
 * The configuration file of the variant: the `config` key (resolved against the file that set it),
 * else `<variant>.scm` in the admin's variants directory, else in the shipped one.
 */
export function configFileOf(
  v: GuixVariant,
  name: string,
  files: readonly string[],
  paths: ProviderPaths,
): string {
  if (v.config) return v.config;
  const own = files.find((f) => f.endsWith(CONFIG_EXTENSION));
  if (own) return own;
  const candidates = [
    ...variantsDirs(paths).map((d) => join(d, `${name}${CONFIG_EXTENSION}`)),
    // next to the variant's YAML file (a shipped YAML variant with its configuration beside it)
    ...files.filter((f) => f.endsWith('.yaml')).map((f) => join(dirname(f), `${name}${CONFIG_EXTENSION}`)),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new OsError(
      'E_VARIANT_MISSING',
      `variant ${name} has no configuration (looked for ${candidates[0]})`,
      {
        hint: `write the Guix System configuration ${name}${CONFIG_EXTENSION} next to the variant, or set config in its YAML file`,
      },
    );
  }
  return found;
}

/** The ganeti-os library: `lib/ganeti-os.scm` of the admin's variants directory, else the shipped one. */
export function libraryFileOf(paths: ProviderPaths): string {
  const candidates = variantsDirs(paths).map((d) => join(d, LIBRARY_FILE));
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new OsError(
      'E_VARIANT_MISSING',
      `the guix library is missing (looked for ${candidates.join(', ')})`,
      {
        hint: `reinstall ganeti-os (it ships variants/guix/${LIBRARY_FILE}), or write your own as ${candidates[0]}`,
      },
    );
  }
  return found;
}
