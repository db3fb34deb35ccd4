/**
 * The shared entry of the five Ganeti scripts. Ganeti runs `<searchdir>/<os>/<script>`, a symlink
 * to one bundle; we dispatch on the invoked name and load only what that script needs. This is the
 * one top-level catch for scripts: every failure ends with one `error[CODE]: message (hint: ...)` line.
 */
import { basename, dirname, resolve } from 'node:path';
import type { Registry } from './registry.js';
import type { AnyProvider, ProviderPaths } from '../sdk/types.js';
import { OsError, reportError } from '../runtime/errors.js';
import { Logger } from '../runtime/logger.js';
import { readManifest } from '../ganeti/manifest.js';
import { configDirOf, configRootFromEnv } from '../config/paths.js';
import { runOperation } from './operation.js';
import { SCRIPT_NAMES, type ScriptName } from '../ganeti/types.js';
import { usage } from './usage.js';

export interface ScriptInvocation {
  /** Path the script was invoked as (argv[1]). */
  scriptPath: string;
  args: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  providers: Registry;
  log?: Logger;
}

function paramsOf(p: AnyProvider): [string, string][] {
  return Object.entries(p.params).map(([n, d]) => [n, d.description]);
}

function scriptName(path: string): ScriptName {
  const name = basename(path);
  if ((SCRIPT_NAMES as readonly string[]).includes(name)) return name as ScriptName;
  throw new OsError('E_USAGE', `invoked as ${JSON.stringify(name)}, which is not a Ganeti OS script`, {
    hint: `link the entry as one of ${SCRIPT_NAMES.join(', ')} (ganeti-os install does this)`,
  });
}

/** Run one script; returns the process exit code. */
export async function runScript(inv: ScriptInvocation): Promise<number> {
  const log = inv.log ?? new Logger('info');
  try {
    const scriptPath = resolve(inv.scriptPath);
    const script = scriptName(scriptPath);
    const osDir = dirname(scriptPath);
    const manifest = readManifest(osDir);
    const provider = await inv.providers.load(manifest.provider, manifest.module);
    if (inv.args.includes('-h') || inv.args.includes('--help')) {
      process.stdout.write(usage(script, provider.name, paramsOf(provider)));
      return 0;
    }
    if (script === 'verify' ? inv.args.length !== 1 || inv.args[0] !== 'parameters' : inv.args.length > 0) {
      throw new OsError('E_USAGE', `unexpected arguments: ${JSON.stringify(inv.args)}`, {
        hint:
          script === 'verify'
            ? 'the only check is `verify parameters`'
            : `${script} takes no arguments; see -h`,
      });
    }
    const paths: ProviderPaths = {
      osDir,
      // Ganeti's clean environment never sets it: the recorded directory counts there.
      configDir: configDirOf(provider.name, configRootFromEnv(inv.env), manifest.configDir),
      shareDir: manifest.shareDir,
      cacheDir: manifest.cacheDir,
    };
    await runOperation({ provider, script, env: inv.env, paths, log });
    return 0;
  } catch (e) {
    return reportError(e, log);
  }
}
