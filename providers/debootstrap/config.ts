/**
 * The debootstrap provider's configuration for one run: the variant (YAML chain, shipped files,
 * instance-debootstrap's shell files), then the OS parameters over it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isOsError, OsError } from '../../src/runtime/errors.js';
import { listVariants } from '../../src/config/list.js';
import type { ConfigLocation } from '../../src/config/paths.js';
import { resolveVariant, type ResolvedVariant } from '../../src/config/resolve.js';
import type { Runner } from '../../src/process/runner.js';
import type { ProviderPaths } from '../../src/sdk/types.js';
import type { Logger } from '../../src/runtime/logger.js';
import { debootstrapLegacyMapping } from './legacy.js';
import { debootstrapSchema, debootstrapVariant, type DebootstrapVariant } from './schema.js';

export const OS = 'debootstrap';

/** The OS parameters as the operations see them (index.ts declares them). */
export interface DebootstrapParams {
  filesystem: string | undefined;
  'root-password': string | undefined;
  'ssh-key': string | undefined;
}

export function configLocation(paths: ProviderPaths): ConfigLocation {
  return { configDir: paths.configDir, ...(paths.shareDir ? { shippedDir: join(paths.shareDir, 'variants', OS) } : {}) };
}

export async function publishedVariants(paths: ProviderPaths, _log: Logger): Promise<string[]> {
  const all = await listVariants(OS, { ...configLocation(paths), legacy: true });
  return all.filter((v) => v.published).map((v) => v.name);
}

export interface RunConfig {
  variant: DebootstrapVariant;
  resolved: ResolvedVariant;
  /** Hashed root password from the root-password parameter. */
  rootPasswordParam?: string;
}

export async function loadConfig(
  paths: ProviderPaths,
  variantName: string,
  params: DebootstrapParams,
  runner: Runner,
): Promise<RunConfig> {
  const name = variantName || 'default';
  let resolved: ResolvedVariant;
  try {
    resolved = await resolveVariant(OS, name, debootstrapSchema, {
      ...configLocation(paths),
      legacy: { runner, mapping: debootstrapLegacyMapping },
    });
  } catch (e) {
    throw isOsError(e) && e.code === 'E_VARIANT_UNKNOWN' ? unknownVariant(paths, name, e) : e;
  }
  const variant = debootstrapVariant(resolved.values);
  if (params.filesystem) variant.filesystem = params.filesystem as DebootstrapVariant['filesystem'];
  if (params['ssh-key']) variant.sshAuthorizedKeys = [...variant.sshAuthorizedKeys, params['ssh-key']];
  const out: RunConfig = { variant, resolved };
  if (params['root-password']) out.rootPasswordParam = params['root-password'];
  return out;
}

/**
 * As instance-debootstrap does, tell a published variant whose file went missing (an admin's
 * mistake on this node) from a variant that was never published (a user's mistake).
 */
function unknownVariant(paths: ProviderPaths, name: string, cause: OsError): OsError {
  let listed: string[] = [];
  try {
    listed = readFileSync(join(paths.osDir, 'variants.list'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  } catch {
    // not installed: nothing is published
  }
  if (listed.includes(name)) {
    return new OsError('E_VARIANT_MISSING', `published variant ${name} has no configuration file on this node`, {
      hint: `create ${join(paths.configDir, 'variants', `${name}.yaml`)}, or unpublish it with \`ganeti-os variants sync ${OS}\``,
      cause,
    });
  }
  return new OsError('E_VARIANT_UNKNOWN', `variant ${name} is not published by ${OS}`, {
    hint: `choose one of: ${listed.join(', ') || '(none installed)'}; see \`ganeti-os variants list ${OS}\``,
    cause,
  });
}
