/**
 * Drop-in compatibility with the shell configuration of the old bash providers
 * (/etc/default/ganeti-instance-<os> and /etc/ganeti/instance-<os>/variants/<variant>.conf).
 * The files are shell, so they are SOURCED by bash, never parsed: `EXTRA_PKGS="$EXTRA_PKGS,acpid"`,
 * `: ${ARCH:=amd64}` and `main\ contrib` all mean what bash says they mean. They are root-owned
 * files with the same trust as the scripts that used to source them.
 *
 * They are sourced the way instance-debootstrap's common.sh did: the defaults file, then its
 * `: ${VAR:=default}` lines (so a variable the defaults file leaves empty counts as unset), then the
 * variant file, whose empty values therefore survive and mean what the old scripts made of them
 * (LegacyVar.whenEmpty). Every variable the files set counts for the mapping, exported or not (the
 * old scripts sourced them into their own shell); the variables they export also reached the old
 * hooks, so they are returned apart for the hooks' environment.
 *
 * Precedence (variants/README.md): YAML wins. A legacy variable only fills a key that no YAML file
 * of the chain set; its provenance is `legacy:<file>`.
 */
import { OsError, OsErrors } from '../runtime/errors.js';
import type { Runner } from '../process/types.js';
import { TOOL_PATH } from '../process/tool-path.js';
import { coerceValue, expectedOf, type Value, type VariantSchema } from './schema.js';

/** One shell variable mapped onto one schema key. */
export interface LegacyVar {
  variable: string;
  key: string;
  /** Turn the shell string into the raw value given to the schema (default: the string itself); undefined: the value sets nothing. */
  convert?: (raw: string) => unknown;
  /**
   * What the variable means when the variant file sets it empty (the old scripts' `:=` defaults ran
   * before the variant file, so only there an empty value reaches them): a key and its raw value.
   * Without it an empty value counts as unset (the key keeps its default).
   */
  whenEmpty?: { key: string; value: unknown };
}

/** A key the old provider hard-coded for the variants its files define (e.g. `passwd -d root`). */
export interface LegacyImplied {
  key: string;
  value: unknown;
  /** What the old provider did, shown as the key's origin (`legacy:<file> (<why>)`). */
  why: string;
}

export interface LegacyMapping {
  readonly vars: readonly LegacyVar[];
  /** Applied to a variant that has its own legacy variant file, unless a YAML file sets the key. */
  readonly implied?: readonly LegacyImplied[];
}

export interface LegacyEntry {
  key: string;
  value: Value;
  file: string;
  /** The shell variable, or what the old provider did (LegacyImplied.why). */
  variable: string;
}

export interface LegacyConfig {
  entries: LegacyEntry[];
  /** Variables the files export (`export FOO=...`, `set -a`): the old provider's hooks saw them. */
  exported: Record<string, string>;
}

/** What sourcing the files left: every variable they set, and which of them are exported. */
export interface SourcedShell {
  vars: Record<string, string>;
  exported: Set<string>;
}

const NOISE = new Set(['PWD', 'OLDPWD', 'SHLVL', '_', 'PATH', 'LC_ALL']);

/*
 * $1 defaults file, $2 variant file (or ""), then the names of the variables the old provider
 * defaulted with `: ${VAR:=...}` right after the defaults file: an empty one is unset there, which is
 * what `:=` amounts to. Prints, for each variable the files set, "x" (exported) or "" and NAME=value,
 * NUL-terminated. Variables bash itself had before the files ran are left out.
 */
const SCRIPT = [
  '__gos_d=$1 __gos_v=$2; shift 2; __gos_def=("$@")',
  '/bin/bash -n "$__gos_d" || exit 2; [ -z "$__gos_v" ] || /bin/bash -n "$__gos_v" || exit 2',
  'declare -A __gos_pre=(); for __gos_n in $(compgen -v); do __gos_pre[$__gos_n]=1; done',
  '. "$__gos_d" >&2',
  'for __gos_n in "${__gos_def[@]}"; do [ -n "${!__gos_n-}" ] || unset "$__gos_n"; done',
  'if [ -n "$__gos_v" ]; then . "$__gos_v" >&2; fi',
  'declare -A __gos_exp=(); for __gos_n in $(compgen -e); do __gos_exp[$__gos_n]=1; done',
  'for __gos_n in $(compgen -v); do',
  '  [[ -n ${__gos_pre[$__gos_n]-} || $__gos_n == __gos_* ]] && continue',
  '  printf \'%s\\0%s=%s\\0\' "${__gos_exp[$__gos_n]:+x}" "$__gos_n" "${!__gos_n}"',
  'done',
].join('\n');

/** Parse the sourcing script's output: `flag\0NAME=value\0` records (flag "x": exported). */
export function parseSourced(out: string): SourcedShell {
  const vars: Record<string, string> = {};
  const exported = new Set<string>();
  const items = out.split('\0');
  for (let i = 0; i + 1 < items.length; i += 2) {
    const item = items[i + 1]!;
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const name = item.slice(0, eq);
    if (NOISE.has(name)) continue;
    vars[name] = item.slice(eq + 1);
    if (items[i] === 'x') exported.add(name);
  }
  return { vars, exported };
}

/**
 * Source `defaultsFile` then `variantFile` (either may be undefined) in one clean bash, as the old
 * provider did, and return the variables they set. `defaulted`: the variables the old provider
 * gave a `:=` default between the two files.
 */
export async function sourceShellFiles(
  runner: Runner,
  defaultsFile: string | undefined,
  variantFile: string | undefined,
  defaulted: readonly string[] = [],
): Promise<SourcedShell> {
  const r = await runner.run(
    '/bin/bash',
    [
      '--noprofile',
      '--norc',
      '-c',
      SCRIPT,
      'sourcer',
      defaultsFile ?? '/dev/null',
      variantFile ?? '',
      ...defaulted,
    ],
    {
      cleanEnv: true,
      env: { PATH: TOOL_PATH },
      reject: false,
      timeoutMs: 30_000,
    },
  );
  if (r.failed) {
    // bash -n prints `<file>: line N: syntax error ...` and then the offending line: keep the first.
    const lines = r.stderr.trim().split('\n');
    const tail = lines.find((l) => l.includes(': syntax error')) ?? lines.pop() ?? '';
    const files = [defaultsFile, variantFile].filter(Boolean).join(' and ');
    throw new OsError(
      'E_LEGACY_CONFIG',
      `sourcing ${files} failed (exit ${r.exitCode})${tail ? `: ${tail}` : ''}`,
      {
        hint: 'fix the shell syntax of the legacy configuration file, or replace it with a YAML variant file',
      },
    );
  }
  return parseSourced(r.stdout);
}

/**
 * Read the legacy files and map their variables onto schema keys. Which file set a variable is
 * found by sourcing the defaults file alone and then with the variant file.
 */
export async function readLegacyConfig(
  runner: Runner,
  schema: VariantSchema,
  mapping: LegacyMapping,
  files: { defaultsFile?: string; variantFile?: string },
): Promise<LegacyConfig> {
  const { defaultsFile, variantFile } = files;
  if (!defaultsFile && !variantFile) return { entries: [], exported: {} };
  const defaulted = mapping.vars.map((m) => m.variable);
  const both = await sourceShellFiles(runner, defaultsFile, variantFile, defaulted);
  const onlyDefaults =
    defaultsFile && variantFile
      ? await sourceShellFiles(runner, defaultsFile, undefined, defaulted)
      : undefined;
  const fileOf = (variable: string, raw: string): string =>
    !variantFile
      ? defaultsFile!
      : !defaultsFile
        ? variantFile
        : onlyDefaults?.vars[variable] === raw
          ? defaultsFile
          : variantFile;

  const entries: LegacyEntry[] = [];
  const problems: OsError[] = [];
  const add = (key: string, raw: unknown, shown: string, file: string, variable: string): void => {
    const spec = schema.byName.get(key);
    if (!spec) throw new Error(`legacy mapping of ${variable}: schema ${schema.os} has no key ${key}`);
    const checked = coerceValue(spec, raw);
    if (!checked.ok) {
      problems.push(
        new OsError('E_LEGACY_VALUE', `${file}: ${shown} (key ${key}): expected ${expectedOf(spec)}`, {
          hint: 'fix the legacy configuration file, or set the key in a YAML variant file',
        }),
      );
      return;
    }
    entries.push({ key, value: checked.value, file, variable });
  };

  for (const m of mapping.vars) {
    const raw = both.vars[m.variable];
    if (raw === undefined) continue;
    const shown = `${m.variable}=${JSON.stringify(raw)}`;
    if (raw === '') {
      // Set and empty: only the variant file can leave it so (the defaults file's empty ones were unset).
      if (m.whenEmpty && variantFile) add(m.whenEmpty.key, m.whenEmpty.value, shown, variantFile, m.variable);
      continue;
    }
    const value = m.convert ? m.convert(raw) : raw;
    if (value === undefined) continue; // the converter says this value sets nothing
    add(m.key, value, shown, fileOf(m.variable, raw), m.variable);
  }
  if (variantFile) {
    for (const i of mapping.implied ?? []) {
      if (!entries.some((e) => e.key === i.key)) add(i.key, i.value, i.why, variantFile, i.why);
    }
  }
  if (problems.length === 1) throw problems[0]!;
  if (problems.length > 1) throw new OsErrors(problems);

  const exported: Record<string, string> = {};
  for (const name of [...both.exported].sort()) exported[name] = both.vars[name]!;
  return { entries, exported };
}
