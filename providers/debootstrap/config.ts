/**
 * The debootstrap provider's configuration for one run: the variant (YAML chain, shipped files,
 * instance-debootstrap's shell files), then the OS parameters over it.
 */
import { join } from 'node:path';
import { listVariants } from '../../src/config/list.js';
import type { ConfigLocation } from '../../src/config/paths.js';
import { resolveVariant, type ResolvedVariant } from '../../src/config/resolve.js';
import type { Runner } from '../../src/process/runner.js';
import type { ProviderPaths } from '../../src/provider/types.js';
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
  const resolved = await resolveVariant(OS, variantName || 'default', debootstrapSchema, {
    ...configLocation(paths),
    legacy: { runner, mapping: debootstrapLegacyMapping },
  });
  const variant = debootstrapVariant(resolved.values);
  if (params.filesystem) variant.filesystem = params.filesystem as DebootstrapVariant['filesystem'];
  if (params['ssh-key']) variant.sshAuthorizedKeys = [...variant.sshAuthorizedKeys, params['ssh-key']];
  const out: RunConfig = { variant, resolved };
  if (params['root-password']) out.rootPasswordParam = params['root-password'];
  return out;
}
