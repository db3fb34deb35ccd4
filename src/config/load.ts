/**
 * A provider's variant for one run, and its published variants: the YAML chain, the shipped files
 * and the peer's shell files, as every provider with variant files reads them.
 */
import { join } from 'node:path';
import { readVariantsList } from '../ganeti/os-dir.js';
import type { Runner } from '../process/types.js';
import { isOsError, OsError } from '../runtime/errors.js';
import type { ProviderPaths } from '../sdk/types.js';
import type { LegacyMapping } from './legacy.js';
import { listVariants } from './list.js';
import type { ConfigLocation } from './paths.js';
import { resolveVariant, type ResolvedVariant } from './resolve.js';
import type { VariantSchema } from './schema.js';

export interface VariantFiles {
  os: string;
  schema: VariantSchema;
  legacy?: LegacyMapping;
}

export function configLocation(os: string, paths: ProviderPaths): ConfigLocation {
  return { configDir: paths.configDir, ...(paths.shareDir ? { shippedDir: join(paths.shareDir, 'variants', os) } : {}) };
}

export async function publishedVariants(os: string, paths: ProviderPaths): Promise<string[]> {
  const all = await listVariants(os, { ...configLocation(os, paths), legacy: true });
  return all.filter((v) => v.published).map((v) => v.name);
}

/** Resolve the variant Ganeti selected ('' = the `default` variant). */
export async function loadVariant(files: VariantFiles, paths: ProviderPaths, variantName: string, runner: Runner): Promise<ResolvedVariant> {
  const name = variantName || 'default';
  try {
    return await resolveVariant(files.os, name, files.schema, {
      ...configLocation(files.os, paths),
      ...(files.legacy ? { legacy: { runner, mapping: files.legacy } } : {}),
    });
  } catch (e) {
    throw isOsError(e) && e.code === 'E_VARIANT_UNKNOWN' ? unknownVariant(files.os, paths, name, e) : e;
  }
}

/**
 * As instance-debootstrap does, tell a published variant whose file went missing (an admin's
 * mistake on this node) from a variant that was never published (a user's mistake).
 */
function unknownVariant(os: string, paths: ProviderPaths, name: string, cause: OsError): OsError {
  const listed = readVariantsList(paths.osDir); // not installed: nothing is published
  if (listed.includes(name)) {
    return new OsError('E_VARIANT_MISSING', `published variant ${name} has no configuration file on this node`, {
      hint: `create ${join(paths.configDir, 'variants', `${name}.yaml`)}, or unpublish it with \`ganeti-os variants sync ${os}\``,
      cause,
    });
  }
  return new OsError('E_VARIANT_UNKNOWN', `variant ${name} is not published by ${os}`, {
    hint: `choose one of: ${listed.join(', ') || '(none installed)'}; see \`ganeti-os variants list ${os}\``,
    cause,
  });
}
