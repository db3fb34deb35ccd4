/**
 * A provider's variant for one run, and its published variants: the YAML chain, the shipped files
 * and the peer's shell files, as every provider with variant files reads them.
 */
import { basename, join } from 'node:path';
import { hasManifest, readManifest, unpublishedVariant } from '../ganeti/manifest.js';
import { readVariantsList } from '../ganeti/os-dir.js';
import type { Runner } from '../process/types.js';
import { isOsError, OsError } from '../runtime/errors.js';
import type { ProviderPaths } from '../sdk/types.js';
import type { LegacyMapping } from './legacy.js';
import { listVariants } from './list.js';
import { adminVariantsDir, legacyDefaultsFile, shippedVariantsDir, type ConfigLocation } from './paths.js';
import { resolveVariant, type ResolvedVariant } from './resolve.js';
import type { VariantSchema } from './schema.js';

export interface VariantFiles {
  os: string;
  schema: VariantSchema;
  legacy?: LegacyMapping;
  /** A file `<variant><configExtension>` alone makes a variant (guix: `.scm`). */
  configExtension?: string;
}

export function configLocation(os: string, paths: ProviderPaths, configExtension?: string): ConfigLocation {
  return {
    configDir: paths.configDir,
    ...(paths.shareDir ? { shippedDir: join(paths.shareDir, 'variants', os) } : {}),
    ...(configExtension ? { configExtension } : {}),
  };
}

export async function publishedVariants(
  os: string,
  paths: ProviderPaths,
  configExtension?: string,
): Promise<string[]> {
  const all = await listVariants(os, { ...configLocation(os, paths, configExtension), legacy: true });
  return all.filter((v) => v.published).map((v) => v.name);
}

/** Resolve the variant Ganeti selected ('' = the `default` variant). */
export async function loadVariant(
  files: VariantFiles,
  paths: ProviderPaths,
  variantName: string,
  runner: Runner,
): Promise<ResolvedVariant> {
  const name = variantName || 'default';
  try {
    return await resolveVariant(files.os, name, files.schema, {
      ...configLocation(files.os, paths, files.configExtension),
      ...(files.legacy ? { legacy: { runner, mapping: files.legacy } } : {}),
    });
  } catch (e) {
    throw isOsError(e) && e.code === 'E_VARIANT_UNKNOWN' ? unknownVariant(files.os, paths, name, e) : e;
  }
}

/**
 * verify's check of the variant Ganeti selected: published (variants.list), and it resolves. One
 * that publishing skipped as broken is resolved anyway, for its error to name the file and line.
 */
export async function verifyVariant(
  files: VariantFiles,
  paths: ProviderPaths,
  variantName: string,
  runner: Runner,
): Promise<void> {
  const listed = readVariantsList(paths.osDir);
  if (!listed.includes(variantName)) {
    const skipped = hasManifest(paths.osDir) ? (readManifest(paths.osDir).skippedVariants ?? []) : [];
    if (skipped.includes(variantName)) await loadVariant(files, paths, variantName, runner);
    throw unpublishedVariant(files.os, variantName, listed);
  }
  await loadVariant(files, paths, variantName, runner);
}

export interface PublishableVariant {
  name: string;
  /** The files resolving it read, and the places where a new file would change it. */
  inputs: string[];
}

export interface BrokenVariant {
  name: string;
  /** Why it does not resolve; its message names the file and line. */
  error: OsError;
}

/** Resolve each of `names` as an operation would: those that resolve (with their inputs) and those that do not. */
export async function resolvePublished(
  files: VariantFiles,
  paths: ProviderPaths,
  names: readonly string[],
  runner: Runner,
): Promise<{ resolved: PublishableVariant[]; broken: BrokenVariant[] }> {
  const resolved: PublishableVariant[] = [];
  const broken: BrokenVariant[] = [];
  for (const name of names) {
    try {
      const r = await loadVariant(files, paths, name, runner);
      resolved.push({ name, inputs: inputsOf(files, paths, r) });
    } catch (e) {
      if (!isOsError(e)) throw e;
      broken.push({ name, error: e });
    }
  }
  return { resolved, broken };
}

/**
 * Every path whose content decides how `r` resolves: the files read, each chain name's admin and
 * shipped YAML places (an admin file appearing overrides the shipped one), the places of its
 * configuration file (`<variant><configExtension>`) and, with the peer's shell mapping, the
 * variant's `.conf` and the defaults file.
 */
function inputsOf(files: VariantFiles, paths: ProviderPaths, r: ResolvedVariant): string[] {
  const loc = configLocation(files.os, paths, files.configExtension);
  const out = new Set(r.files);
  const shipped = shippedVariantsDir(files.os, loc);
  const chain = r.files.filter((f) => f.endsWith('.yaml')).map((f) => basename(f, '.yaml'));
  for (const name of [r.name, ...chain]) {
    out.add(join(adminVariantsDir(files.os, loc), `${name}.yaml`));
    if (shipped) out.add(join(shipped, `${name}.yaml`));
  }
  const ext = files.configExtension;
  if (ext) {
    out.add(join(adminVariantsDir(files.os, loc), `${r.name}${ext}`));
    if (shipped) out.add(join(shipped, `${r.name}${ext}`));
  }
  if (files.legacy) {
    out.add(join(adminVariantsDir(files.os, loc), `${r.name}.conf`));
    out.add(legacyDefaultsFile(files.os, loc));
  }
  return [...out];
}

/**
 * As instance-debootstrap does, tell a published variant whose file went missing (an admin's
 * mistake on this node) from a variant that was never published (a user's mistake).
 */
function unknownVariant(os: string, paths: ProviderPaths, name: string, cause: OsError): OsError {
  const listed = readVariantsList(paths.osDir); // not installed: nothing is published
  if (listed.includes(name)) {
    return new OsError(
      'E_VARIANT_MISSING',
      `published variant ${name} has no configuration file on this node`,
      {
        hint: `create ${join(paths.configDir, 'variants', `${name}.yaml`)}, or unpublish it with \`ganeti-os variants sync ${os}\``,
        cause,
      },
    );
  }
  return unpublishedVariant(os, name, listed, cause);
}
