/**
 * Resolving a variant: the file chain (`extend`), validated against the provider's schema, merged
 * from the base to the variant over the schema defaults, then legacy shell configuration fills the
 * keys the chain left at their default. Every key records where its value came from.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { OsError, OsErrors } from '../runtime/errors.js';
import type { Runner } from '../process/types.js';
import { readLegacyConfig, type LegacyMapping } from './legacy.js';
import { checkVariantName } from '../ganeti/names.js';
import {
  legacyDefaultsFile,
  legacyVariantFile,
  searchedDirs,
  variantCandidates,
  variantConfigFiles,
  type ConfigLocation,
  type VariantCandidate,
} from './paths.js';
import { cloneValue, defaultsOf, type Value, type VariantSchema } from './schema.js';
import { applyListOps, checkVariantFile, type CheckedFile } from './validate.js';
import { readVariantYaml } from './yaml-file.js';

export type Provenance = 'default' | { file: string; line: number } | { legacy: string; variable: string };

export interface ResolvedVariant {
  os: string;
  name: string;
  values: Record<string, Value>;
  provenance: Record<string, Provenance>;
  /** Files read: the variant's own file first, then its ancestors, then legacy shell files. */
  files: string[];
  /** Where the variant itself is defined. */
  source: 'admin' | 'shipped' | 'legacy';
  /**
   * Variables the legacy shell files export (`export FOO=...` in /etc/default/ganeti-instance-<os>
   * or the variant's .conf), by name: instance-debootstrap's hooks saw them, so the hooks' environment
   * includes them (below its own variables, which win). Empty without legacy files.
   */
  legacyExports: Record<string, string>;
}

export interface LegacyOptions {
  runner: Runner;
  mapping: LegacyMapping;
  /** Default /etc/default/ganeti-instance-<os>; null: do not read it. */
  defaultsFile?: string | null;
}

export interface ResolveOptions extends ConfigLocation {
  /** Read instance-debootstrap style shell files too (needs a Runner: they are sourced by bash). */
  legacy?: LegacyOptions;
}

const MAX_DEPTH = 32;

interface ChainLink {
  name: string;
  candidate: VariantCandidate;
  checked: CheckedFile;
}

function notFound(os: string, name: string, loc: ConfigLocation): OsError {
  const also = loc.configExtension ? ` or ${name}${loc.configExtension}` : '';
  return new OsError(
    'E_VARIANT_UNKNOWN',
    `variant "${name}" of OS ${os} not found (looked for ${name}.yaml${also} in ${searchedDirs(os, loc).join(', ')})`,
    {
      hint: `create ${path.join(searchedDirs(os, loc)[0]!, `${name}.yaml`)} or pick a variant from \`ganeti-os variants list ${os}\``,
    },
  );
}

/** Load the chain leaf-first; validates every file, collecting all problems. */
async function loadChain(
  os: string,
  variant: string,
  schema: VariantSchema,
  opts: ResolveOptions,
): Promise<ChainLink[]> {
  const chain: ChainLink[] = [];
  const problems: OsError[] = [];
  let name = variant;
  let candidates = variantCandidates(os, name, opts);
  const first = candidates[0];
  if (!first) return [];
  let candidate: VariantCandidate = first;
  for (;;) {
    const raw = await readVariantYaml(candidate.file);
    const { checked, problems: p } = checkVariantFile(schema, raw);
    problems.push(...p);
    chain.push({ name, candidate, checked });
    const ext = checked.extend;
    if (!ext) break;
    // A file that extends its own name extends the next file of that name (the admin's
    // bookworm.yaml saying `extend: bookworm` builds on the shipped one).
    const from: number = ext.name === name ? candidates.indexOf(candidate) + 1 : 0;
    const nextCandidates = variantCandidates(os, ext.name, opts);
    const next: VariantCandidate | undefined = nextCandidates[from];
    if (!next) {
      problems.push(
        new OsError(
          'E_VARIANT_PARENT',
          `${candidate.file}:${ext.line}: extend: variant "${ext.name}" not found (looked in ${searchedDirs(os, opts).join(', ')})`,
          { hint: `create ${ext.name}.yaml or fix the extend key` },
        ),
      );
      break;
    }
    if (chain.some((l) => l.candidate.file === next.file) || chain.length >= MAX_DEPTH) {
      const shown = [
        ...chain.map((l) => `${l.name} (${l.candidate.file})`),
        `${ext.name} (${next.file})`,
      ].join(' -> ');
      problems.push(
        new OsError('E_VARIANT_CYCLE', `extend cycle: ${shown}`, {
          hint: 'remove the extend key that closes the loop',
        }),
      );
      break;
    }
    name = ext.name;
    candidates = nextCandidates;
    candidate = next;
  }
  if (problems.length === 1) throw problems[0]!;
  if (problems.length > 1) throw new OsErrors(problems);
  return chain;
}

/** Resolve `variant` of provider `os` against its schema. */
export async function resolveVariant(
  os: string,
  variant: string,
  schema: VariantSchema,
  opts: ResolveOptions = {},
): Promise<ResolvedVariant> {
  checkVariantName(variant);
  const chain = await loadChain(os, variant, schema, opts);
  const legacyVariant = opts.legacy ? legacyVariantFile(os, variant, opts) : undefined;
  // Without a YAML file, the variant's configuration file alone (guix's <variant>.scm) makes it.
  const configFile = chain.length === 0 ? variantConfigFiles(os, variant, opts)[0] : undefined;
  if (chain.length === 0 && !legacyVariant && !configFile) throw notFound(os, variant, opts);

  const values = defaultsOf(schema);
  const provenance: Record<string, Provenance> = {};
  for (const k of schema.keys) provenance[k.name] = 'default';

  // Apply from the base to the variant itself; meta keys only from the variant's own file.
  for (let i = chain.length - 1; i >= 0; i--) {
    const link = chain[i]!;
    for (const e of link.checked.entries) {
      const spec = schema.byName.get(e.key)!;
      if (spec.inherit === false && i !== 0) continue;
      if (e.kind === 'ops') {
        const base = values[e.key];
        values[e.key] = applyListOps(Array.isArray(base) ? base : [], e.ops);
      } else {
        values[e.key] = cloneValue(e.value);
      }
      provenance[e.key] = { file: link.checked.file, line: e.line };
    }
  }

  const files = configFile ? [configFile.file] : chain.map((l) => l.checked.file);
  let legacyExports: Record<string, string> = {};
  if (opts.legacy) {
    const defaultsFile =
      opts.legacy.defaultsFile === null
        ? undefined
        : (opts.legacy.defaultsFile ?? legacyDefaultsFile(os, opts));
    const df = defaultsFile && existsSync(defaultsFile) ? defaultsFile : undefined;
    const legacy = await readLegacyConfig(opts.legacy.runner, schema, opts.legacy.mapping, {
      defaultsFile: df,
      variantFile: legacyVariant,
    });
    legacyExports = legacy.exported;
    for (const e of legacy.entries) {
      if (provenance[e.key] !== 'default') continue; // YAML wins
      values[e.key] = e.value;
      provenance[e.key] = { legacy: e.file, variable: e.variable };
    }
    for (const f of [legacyVariant, df]) if (f) files.push(f);
  }

  return {
    os,
    name: variant,
    values,
    provenance,
    files,
    source: chain[0]?.candidate.source ?? configFile?.source ?? 'legacy',
    legacyExports,
  };
}

/** Human form of a provenance: `file:line`, `legacy:<file> (VAR)` or `default`. */
export function showProvenance(p: Provenance): string {
  if (p === 'default') return 'default';
  if ('legacy' in p) return `legacy:${p.legacy} (${p.variable})`;
  return `${p.file}:${p.line}`;
}
