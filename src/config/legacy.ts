/**
 * Drop-in compatibility with the shell configuration of the old bash providers
 * (/etc/default/ganeti-instance-<os> and /etc/ganeti/instance-<os>/variants/<variant>.conf).
 * The files are shell, so they are SOURCED by bash, never parsed: `EXTRA_PKGS="$EXTRA_PKGS,acpid"`,
 * `: ${ARCH:=amd64}` and `main\ contrib` all mean what bash says they mean. They are root-owned
 * files with the same trust as the scripts that used to source them.
 *
 * Precedence (documented in providers/<os>/README.md): YAML wins. A legacy variable only fills a key
 * that no YAML file of the chain set; its provenance is `legacy:<file>`. An empty variable counts as
 * unset (the old scripts used `: ${VAR:=default}`).
 */
import { OsError, OsErrors } from '../runtime/errors.js';
import type { Runner } from '../process/runner.js';
import { TOOL_PATH } from '../process/runner.js';
import { coerceValue, expectedOf, type Value, type VariantSchema } from './schema.js';

/** One shell variable mapped onto one schema key. */
export interface LegacyVar {
  variable: string;
  key: string;
  /** Turn the shell string into the raw value given to the schema (default: the string itself). */
  convert?: (raw: string) => unknown;
}

export interface LegacyMapping {
  readonly vars: readonly LegacyVar[];
}

export interface LegacyEntry {
  key: string;
  value: Value;
  file: string;
  variable: string;
}

const NOISE = new Set(['PWD', 'OLDPWD', 'SHLVL', '_', 'PATH', 'LC_ALL']);
const SCRIPT =
  '/bin/bash -n "$1" || exit 2; [ -z "$2" ] || /bin/bash -n "$2" || exit 2; ' +
  'set -a; . "$1" >&2; [ -n "$2" ] && . "$2" >&2; set +a; env -0';

/** A comma-separated shell list (`a,b` or `a, b`), empty items dropped. */
export function commaList(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Parse `env -0` output. */
export function parseEnv0(out: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const item of out.split('\0')) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const name = item.slice(0, eq);
    if (!NOISE.has(name)) vars[name] = item.slice(eq + 1);
  }
  return vars;
}

/**
 * Source `defaultsFile` then `variantFile` (either may be undefined) in one clean bash and return
 * the variables they set.
 */
export async function sourceShellFiles(
  runner: Runner,
  defaultsFile: string | undefined,
  variantFile: string | undefined,
): Promise<Record<string, string>> {
  const r = await runner.run(
    '/bin/bash',
    ['--noprofile', '--norc', '-c', SCRIPT, 'sourcer', defaultsFile ?? '/dev/null', variantFile ?? ''],
    {
      cleanEnv: true,
      env: { PATH: TOOL_PATH },
      reject: false,
      timeoutMs: 30_000,
    },
  );
  if (r.failed) {
    const tail = r.stderr.trim().split('\n').pop() ?? '';
    const files = [defaultsFile, variantFile].filter(Boolean).join(' and ');
    throw new OsError(
      'E_LEGACY_CONFIG',
      `sourcing ${files} failed (exit ${r.exitCode})${tail ? `: ${tail}` : ''}`,
      {
        hint: 'fix the shell syntax of the legacy configuration file, or replace it with a YAML variant file',
      },
    );
  }
  return parseEnv0(r.stdout);
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
): Promise<LegacyEntry[]> {
  const { defaultsFile, variantFile } = files;
  if (!defaultsFile && !variantFile) return [];
  const both = await sourceShellFiles(runner, defaultsFile, variantFile);
  const onlyDefaults =
    defaultsFile && variantFile ? await sourceShellFiles(runner, defaultsFile, undefined) : undefined;
  const entries: LegacyEntry[] = [];
  const problems: OsError[] = [];
  for (const m of mapping.vars) {
    const raw = both[m.variable];
    if (raw === undefined || raw === '') continue;
    const file = !variantFile
      ? defaultsFile!
      : !defaultsFile
        ? variantFile
        : onlyDefaults?.[m.variable] === raw
          ? defaultsFile
          : variantFile;
    const spec = schema.byName.get(m.key);
    if (!spec) throw new Error(`legacy mapping of ${m.variable}: schema ${schema.os} has no key ${m.key}`);
    const checked = coerceValue(spec, m.convert ? m.convert(raw) : raw);
    if (!checked.ok) {
      problems.push(
        new OsError(
          'E_LEGACY_VALUE',
          `${file}: ${m.variable}=${JSON.stringify(raw)} (key ${m.key}): expected ${expectedOf(spec)}`,
          {
            hint: 'fix the legacy configuration file, or set the key in a YAML variant file',
          },
        ),
      );
      continue;
    }
    entries.push({ key: m.key, value: checked.value, file, variable: m.variable });
  }
  if (problems.length === 1) throw problems[0]!;
  if (problems.length > 1) throw new OsErrors(problems);
  return entries;
}
