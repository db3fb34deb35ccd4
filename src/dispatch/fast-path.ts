/**
 * The fast paths of the script entry, answered from the OS directory's manifest without loading the
 * provider or the runtime: `verify parameters` (the parameter specs are recorded there),
 * operations the provider declares as doing nothing (noop's create and rename), which still check
 * Ganeti's environment, and raw disk streams (noop's export and import). Output and exit codes are those of the full runtime. Returns undefined when
 * the full runtime must answer instead (help, a provider verify hook, an old manifest, a variant
 * whose files changed since install or `variants sync` resolved it).
 */
import { basename, dirname, resolve } from 'node:path';
import { acceptsText, checkParamValues, type ParamCheck } from '../sdk/param-spec.js';
import { readManifest, stampsCurrent, unpublishedVariant, type OsManifest } from '../ganeti/manifest.js';
import { ospParams } from '../ganeti/osp.js';
import { SCRIPT_NAMES, type ScriptName } from '../ganeti/types.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The manifest, or undefined when it is missing or broken: the full runtime then reports why. */
function manifestOf(dir: string): OsManifest | undefined {
  try {
    return readManifest(dir);
  } catch {
    return undefined;
  }
}

/**
 * What verify can tell of OS_VARIANT from the manifest: 'ok' (nothing to check, or published and
 * none of the files its resolution read changed), 'unpublished', or 'resolve' (the full runtime must
 * resolve it: the files changed, publishing skipped it as broken, the manifest predates the record,
 * or the environment points at another configuration directory). An empty OS_VARIANT is not
 * checked, as before.
 */
export function variantState(manifest: OsManifest, env: Env): 'ok' | 'unpublished' | 'resolve' {
  const variant = env.OS_VARIANT ?? '';
  if (manifest.variants === null || variant === '') return 'ok';
  if (manifest.variants === undefined) return 'resolve';
  if (env.GANETI_OS_CONFIG_DIR?.trim()) return 'resolve';
  const record = manifest.variants.find((v) => v.name === variant);
  if (!record) return manifest.skippedVariants?.includes(variant) ? 'resolve' : 'unpublished';
  return stampsCurrent(record.files) ? 'ok' : 'resolve';
}

/**
 * `verify parameters` answered here: its exit code. 'fast-op': a declared no-op or raw stream, which
 * fast-ops.ts answers (kept in its own file so verify does not load the environment parser).
 * undefined: the full runtime answers.
 */
export function fastPath(
  scriptPath: string,
  args: readonly string[],
  env: Env,
  err: (line: string) => void,
): number | 'fast-op' | undefined {
  const path = resolve(scriptPath);
  const script = basename(path) as ScriptName;
  if (!SCRIPT_NAMES.includes(script)) return undefined;
  if (args.includes('-h') || args.includes('--help')) return undefined;
  const manifest = manifestOf(dirname(path));
  if (!manifest) return undefined;
  if (script !== 'verify') {
    if (args.length > 0) return undefined;
    if (manifest.noOp?.includes(script)) return 'fast-op';
    if (manifest.rawStreams && (script === 'export' || script === 'import')) return 'fast-op';
    return undefined;
  }
  if (args.length !== 1 || args[0] !== 'parameters') return undefined;
  // install wrote these records from the provider's parameter declarations (ParamCheck).
  const params = manifest.params as readonly ParamCheck[] | undefined;
  if (manifest.verifyNeedsProvider !== false || !params) return undefined;
  const api = env.OS_API_VERSION;
  if (api !== '10' && api !== '15' && api !== '20') return undefined;
  const variant = variantState(manifest, env);
  if (variant === 'resolve') return undefined;
  const { problems } = checkParamValues(params, ospParams(env));
  if (problems.length === 0) {
    if (variant === 'ok') return 0;
    // The full runtime reads the published names from variants.list, written with this record.
    const published = (manifest.variants ?? []).map((v) => v.name);
    err(unpublishedVariant(manifest.provider, env.OS_VARIANT ?? '', published).oneLine());
    return 1;
  }
  // The same hint as the full runtime (provider/params.ts resolveParams).
  const hint = (problem: string): string => {
    const name = /^OS parameter (\S+)/.exec(problem)?.[1];
    const spec = params.find((p) => p.name === name)?.spec;
    return ` (hint: accepted: ${spec ? acceptsText(spec) : '?'}; see parameters.list)`;
  };
  for (const p of problems) err(`error[E_PARAM]: ${p}${hint(p)}`);
  if (problems.length > 1)
    err(`error[E_PARAM]: ${problems.length} problems: ${problems.join('; ')}${hint(problems[0]!)}`);
  return 1;
}
