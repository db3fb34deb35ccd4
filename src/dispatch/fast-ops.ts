/**
 * Operations the script entry answers without the full runtime, for providers that declare them in
 * the manifest: no-op create/rename (the environment is still checked) and raw disk streams.
 * Bundled as its own CommonJS file (fast-ops.cjs), loaded only for those scripts.
 */
import { reportError } from '../runtime/errors.js';
import { parseScriptEnv } from '../ganeti/env.js';
import { fastRaw } from './fast-raw.js';
import type { ScriptName } from '../ganeti/types.js';

type Env = Readonly<Record<string, string | undefined>>;

function noOp(script: ScriptName, env: Env, err: (line: string) => void): number {
  try {
    const parsed = parseScriptEnv(script, env);
    if (parsed.os.debugLevel > 0) err(`debug: ${script} ${parsed.instance?.name ?? ''}: nothing to do`);
    return 0;
  } catch (e) {
    return reportError(e, { error: err, debug: () => undefined });
  }
}

export function runFastOp(script: ScriptName, env: Env, err: (line: string) => void): Promise<number> {
  if (script === 'export' || script === 'import') return fastRaw(script, env, err);
  return Promise.resolve(noOp(script, env, err));
}
