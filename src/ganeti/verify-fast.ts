/**
 * The fast paths of the script entry, answered from the OS directory's manifest without loading the
 * provider or the runtime: `verify parameters` (the parameter specs are recorded there), and
 * operations the provider declares as doing nothing (noop's create and rename), which still check
 * Ganeti's environment. Output and exit codes are those of the full runtime. Returns undefined when
 * the full runtime must answer instead (help, a provider verify hook, an old manifest).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { checkParamValues, type ParamCheck } from '../provider/param-spec.js';
import { OsErrors, toOsError } from '../runtime/errors.js';
import { parseScriptEnv } from './env.js';
import { SCRIPT_NAMES, type ScriptName } from './types.js';

interface FastManifest {
  params?: ParamCheck[];
  verifyNeedsProvider?: boolean;
  noOp?: string[];
}

type Env = Readonly<Record<string, string | undefined>>;

function readFast(dir: string): FastManifest | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'ganeti-os.json'), 'utf8')) as FastManifest;
  } catch {
    return undefined;
  }
}

function fastNoOp(script: ScriptName, env: Env, err: (line: string) => void): number {
  try {
    const parsed = parseScriptEnv(script, env);
    if (parsed.os.debugLevel > 0) err(`debug: ${script} ${parsed.instance?.name ?? ''}: nothing to do`);
    return 0;
  } catch (e) {
    const error = toOsError(e);
    if (error instanceof OsErrors && error.problems.length > 1) for (const line of error.lines()) err(line);
    err(error.oneLine());
    return error.exitCode;
  }
}

export function fastVerify(scriptPath: string, args: readonly string[], env: Env, err: (line: string) => void): number | undefined {
  const path = resolve(scriptPath);
  const script = basename(path) as ScriptName;
  if (!SCRIPT_NAMES.includes(script)) return undefined;
  if (args.includes('-h') || args.includes('--help')) return undefined;
  const manifest = readFast(dirname(path));
  if (!manifest) return undefined;
  if (script !== 'verify') {
    return args.length === 0 && manifest.noOp?.includes(script) ? fastNoOp(script, env, err) : undefined;
  }
  if (args.length !== 1 || args[0] !== 'parameters') return undefined;
  if (manifest.verifyNeedsProvider !== false || !Array.isArray(manifest.params)) return undefined;
  const api = env.OS_API_VERSION;
  if (api !== '10' && api !== '15' && api !== '20') return undefined;
  const raw: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith('OSP_') && v) raw[k.slice(4)] = v;
  const { problems } = checkParamValues(manifest.params, raw);
  if (problems.length === 0) return 0;
  for (const p of problems) err(`error[E_PARAM]: ${p}`);
  if (problems.length > 1) err(`error[E_PARAM]: ${problems.length} problems: ${problems.join('; ')}`);
  return 1;
}
