/**
 * Listing variants. A published variant is a variant file that exists, unless it says
 * `publish: false` (a base only meant to be extended). The default variant, first in
 * variants.list because Ganeti uses the first line when an instance names no variant, is:
 *   1. the published variant whose own file says `default: true` (two such files are an error);
 *   2. else `default`, if it is published;
 *   3. else the first published name in C-locale (byte) order.
 * The rest follow in C-locale order.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { OsError } from '../runtime/errors.js';
import { isOsError } from '../runtime/errors.js';
import { variantNameProblem } from './names.js';
import { adminVariantsDir, shippedVariantsDir, variantCandidates, type ConfigLocation } from './paths.js';
import { readVariantYaml } from './yaml-file.js';

export interface VariantSummary {
  name: string;
  /** The file that defines it (the admin's wins over the shipped one). */
  file: string;
  source: 'admin' | 'shipped' | 'legacy';
  published: boolean;
  isDefault: boolean;
  description: string;
  /** Set when the file cannot be read or parsed (the variant is still listed, so it is noticed). */
  error?: string;
}

export interface ListOptions extends ConfigLocation {
  /** Also list instance-debootstrap style `<variant>.conf` files (providers with a legacy mapping). */
  legacy?: unknown;
}

export function cCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function namesIn(dir: string | undefined, ext: string): string[] {
  if (!dir) return [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries
    .filter((f) => f.endsWith(ext))
    .map((f) => f.slice(0, -ext.length))
    .filter((n) => variantNameProblem(n) === undefined);
}

/** All variants of `os`, default first, then published, then unpublished ones (C-locale order within). */
export async function listVariants(os: string, opts: ListOptions = {}): Promise<VariantSummary[]> {
  const names = new Set([
    ...namesIn(adminVariantsDir(os, opts), '.yaml'),
    ...namesIn(shippedVariantsDir(os, opts), '.yaml'),
  ]);
  const legacyNames = opts.legacy ? namesIn(adminVariantsDir(os, opts), '.conf') : [];
  const out: VariantSummary[] = [];
  for (const name of names) {
    const c = variantCandidates(os, name, opts)[0];
    if (!c) continue;
    const s: VariantSummary = {
      name,
      file: c.file,
      source: c.source,
      published: true,
      isDefault: false,
      description: '',
    };
    try {
      const raw = await readVariantYaml(c.file);
      for (const e of raw.entries) {
        if (e.key === 'publish' && e.value === false) s.published = false;
        if (e.key === 'default' && e.value === true) s.isDefault = true;
        if (e.key === 'description' && typeof e.value === 'string') s.description = e.value;
      }
    } catch (e) {
      s.error = isOsError(e) ? e.message : String(e);
    }
    out.push(s);
  }
  for (const name of legacyNames) {
    if (names.has(name)) continue;
    const file = path.join(adminVariantsDir(os, opts), `${name}.conf`);
    out.push({ name, file, source: 'legacy', published: true, isDefault: false, description: '' });
  }
  return orderVariants(out);
}

/** Apply the default rule and the order; pure. */
export function orderVariants(all: VariantSummary[]): VariantSummary[] {
  const published = all.filter((v) => v.published).sort((a, b) => cCompare(a.name, b.name));
  const hidden = all.filter((v) => !v.published).sort((a, b) => cCompare(a.name, b.name));
  for (const v of hidden) v.isDefault = false;
  const claimed = published.filter((v) => v.isDefault);
  if (claimed.length > 1) {
    throw new OsError(
      'E_VARIANT_DEFAULT',
      `several variants say "default: true": ${claimed.map((v) => v.file).join(', ')}`,
      {
        hint: 'keep "default: true" in one variant file only',
      },
    );
  }
  const def = claimed[0] ?? published.find((v) => v.name === 'default') ?? published[0];
  for (const v of published) v.isDefault = v === def;
  const rest = published.filter((v) => v !== def);
  return [...(def ? [def] : []), ...rest, ...hidden];
}

/** Names for variants.list and the provider's `variants()`: published variants, default first. */
export async function publishedVariantNames(os: string, opts: ListOptions = {}): Promise<string[]> {
  return (await listVariants(os, opts)).filter((v) => v.published).map((v) => v.name);
}
