/**
 * The fast path of `verify parameters`: reads the parameter specs from the OS directory's manifest
 * and checks the OSP_* values without loading the provider or the runtime. Output and exit codes
 * are those of the full runtime. Returns undefined when the full runtime must answer instead
 * (help, a provider with its own verify hook, an old manifest).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { checkParamValues, type ParamCheck } from '../provider/param-spec.js';

export function fastVerify(scriptPath: string, args: readonly string[], env: Readonly<Record<string, string | undefined>>, err: (line: string) => void): number | undefined {
  const path = resolve(scriptPath);
  if (basename(path) !== 'verify' || args.length !== 1 || args[0] !== 'parameters') return undefined;
  let manifest: { params?: ParamCheck[]; verifyNeedsProvider?: boolean };
  try {
    manifest = JSON.parse(readFileSync(join(dirname(path), 'ganeti-os.json'), 'utf8')) as typeof manifest;
  } catch {
    return undefined;
  }
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
