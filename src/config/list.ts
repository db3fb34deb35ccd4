/**
 * Listing variants. A published variant is a variant file that exists, unless it says
 * `publish: false` (a base only meant to be extended). The default variant, first in
 * variants.list, is:
 *   1. the published variant whose own file says `default: true` (two such files are an error);
 *   2. else the first published name of instance-debootstrap's own variants.list, when it exists;
 *   3. else `default`, if it is published;
 *   4. else the first published name in C-locale (byte) order.
 * The rest follow in C-locale order.
 *
 * instance-debootstrap's `/etc/ganeti/instance-<os>/variants.list` (providers with legacy files):
 * it was the list of published variants of the old provider, whose variants were its `.conf` files.
 * When it exists, a `.conf`-only variant is published only if the list names it, and its first
 * name is the default unless a YAML file says `default: true`. YAML variants keep their own
 * `publish` key (YAML wins, as for every key); a name the list gives without any variant file is
 * listed with an error and not published (ganeti-os never publishes a variant it cannot install).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { OsError } from '../runtime/errors.js';
import { isOsError } from '../runtime/errors.js';
import { variantNameProblem } from '../ganeti/names.js';
import {
  adminVariantsDir,
  osConfigDir,
  shippedVariantsDir,
  variantCandidates,
  variantConfigFiles,
  type ConfigLocation,
} from './paths.js';
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
  /**
   * Also list instance-debootstrap style `<variant>.conf` files and honour its own variants.list
   * (providers with a legacy mapping).
   */
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
  const ext = opts.configExtension;
  const configNames = ext
    ? [...namesIn(adminVariantsDir(os, opts), ext), ...namesIn(shippedVariantsDir(os, opts), ext)]
    : [];
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
  // A configuration file alone (guix's <variant>.scm): a published variant with every key at its default.
  for (const name of new Set(configNames)) {
    if (names.has(name)) continue;
    const c = variantConfigFiles(os, name, opts)[0];
    if (!c) continue;
    names.add(name);
    out.push({ name, file: c.file, source: c.source, published: true, isDefault: false, description: '' });
  }
  const peer = opts.legacy ? readPeerVariantsList(os, opts) : undefined;
  for (const name of legacyNames) {
    if (names.has(name)) continue;
    const file = path.join(adminVariantsDir(os, opts), `${name}.conf`);
    const published = peer ? peer.names.includes(name) : true;
    out.push({ name, file, source: 'legacy', published, isDefault: false, description: '' });
  }
  for (const name of peer?.names ?? []) {
    if (out.some((v) => v.name === name)) continue;
    const problem = variantNameProblem(name);
    out.push({
      name,
      file: peer!.file,
      source: 'legacy',
      published: false,
      isDefault: false,
      description: '',
      error: problem
        ? `listed in ${peer!.file}: ${problem}`
        : `listed in ${peer!.file} but there is no ${name}.yaml or ${name}.conf; not published`,
    });
  }
  return orderVariants(out, peer?.names);
}

/**
 * instance-debootstrap's own variants.list (/etc/ganeti/instance-<os>/variants.list), read as
 * Ganeti reads a variants.list: lines stripped, empty lines and `#` comments dropped, order kept.
 */
function readPeerVariantsList(
  os: string,
  loc: ConfigLocation = {},
): { file: string; names: string[] } | undefined {
  const file = path.join(osConfigDir(os, loc), 'variants.list');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new OsError('E_VARIANT_READ', `cannot read ${file} (${code ?? String(e)})`, {
      cause: e,
      hint: 'make it a readable file listing the published variants, or remove it',
    });
  }
  const names = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  return { file, names: [...new Set(names)] };
}

/**
 * Apply the default rule and the order; pure. `peerList`: the names of instance-debootstrap's
 * variants.list, whose first published one is the default unless a file says `default: true`.
 */
export function orderVariants(all: VariantSummary[], peerList: readonly string[] = []): VariantSummary[] {
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
  const fromPeer = peerList.map((n) => published.find((v) => v.name === n)).find((v) => v !== undefined);
  const def = claimed[0] ?? fromPeer ?? published.find((v) => v.name === 'default') ?? published[0];
  for (const v of published) v.isDefault = v === def;
  const rest = published.filter((v) => v !== def);
  return [...(def ? [def] : []), ...rest, ...hidden];
}

/** Names for variants.list and the provider's `variants()`: published variants, default first. */
export async function publishedVariantNames(os: string, opts: ListOptions = {}): Promise<string[]> {
  return (await listVariants(os, opts)).filter((v) => v.published).map((v) => v.name);
}
