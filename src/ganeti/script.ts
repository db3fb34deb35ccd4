/**
 * The shared entry of the five Ganeti scripts. Ganeti runs `<searchdir>/<os>/<script>`, a symlink
 * to one bundle; we dispatch on the invoked name and load only what that script needs. This is the
 * one top-level catch for scripts: every failure ends with one `error[CODE]: message (hint: ...)` line.
 */
import { writeSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { resolveParams } from '../provider/params.js';
import { loadProvider } from '../provider/registry.js';
import type { AnyProvider, BaseContext, ProviderPaths } from '../provider/types.js';
import { CleanupStack } from '../runtime/cleanup.js';
import { OsError, OsErrors, isOsError, toOsError } from '../runtime/errors.js';
import { Logger } from '../runtime/logger.js';
import { guardSignals } from '../runtime/signals.js';
import { parseScriptEnv } from './env.js';
import { readManifest } from './manifest.js';
import { SCRIPT_NAMES, type ScriptName } from './types.js';
import { usage } from './usage.js';

export interface ScriptInvocation {
  /** Path the script was invoked as (argv[1]). */
  scriptPath: string;
  args: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
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
  const stack = new CleanupStack(log);
  let guard: ReturnType<typeof guardSignals> | undefined;
  try {
    const scriptPath = resolve(inv.scriptPath);
    const script = scriptName(scriptPath);
    const osDir = dirname(scriptPath);
    const manifest = readManifest(osDir);
    const provider = await loadProvider(manifest.provider, manifest.module);
    if (inv.args.includes('-h') || inv.args.includes('--help')) {
      process.stdout.write(usage(script, provider.name, paramsOf(provider)));
      return 0;
    }
    if (script === 'verify' ? inv.args.length !== 1 || inv.args[0] !== 'parameters' : inv.args.length > 0) {
      throw new OsError('E_USAGE', `unexpected arguments: ${JSON.stringify(inv.args)}`, {
        hint: script === 'verify' ? 'the only check is `verify parameters`' : `${script} takes no arguments; see -h`,
      });
    }
    const env = parseScriptEnv(script, inv.env);
    log.setLevel(Logger.levelFromDebug(env.os.debugLevel));
    const decls = provider.params;
    for (const [name, d] of Object.entries(decls)) {
      const value = env.os.params[name.toUpperCase().replace(/-/g, '_')];
      if (d.private && value) log.redact(value);
    }
    const { values, problems, warnings } = resolveParams(decls, env.os.params);
    for (const w of warnings) log.warn(w);
    if (problems.length > 0) throw new OsErrors(problems);
    const paths: ProviderPaths = { osDir, configDir: manifest.configDir, shareDir: manifest.shareDir, cacheDir: manifest.cacheDir };
    if (script === 'verify') {
      await provider.verify?.(values, { variant: env.os.variant, paths, log });
      return 0;
    }
    guard = guardSignals(stack, log);
    // Loaded only here: verify (run for every parameter check) must not pay for execa.
    const { ExecRunner } = await import('../process/runner.js');
    const base: BaseContext<typeof values> = {
      env,
      params: values,
      variant: env.os.variant,
      paths,
      log,
      cleanup: stack,
      signal: guard.signal,
      runner: new ExecRunner(log, guard.signal),
    };
    const instance = env.instance!;
    const started = Date.now();
    log.debug(`${script} ${instance.name} with ${provider.name}${env.os.variant ? '+' + env.os.variant : ''} (API ${env.os.apiVersion})`);
    switch (script) {
      case 'create':
        await provider.create({ ...base, instance, reinstall: instance.reinstall });
        break;
      case 'rename':
        await provider.rename({ ...base, instance, oldName: env.oldName ?? '' });
        break;
      case 'export': {
        const target = env.export!;
        await provider.export({
          ...base,
          instance,
          target,
          out: 1,
          reportSize: (bytes) => {
            if (target.sizeFd !== undefined) writeSync(target.sizeFd, `${String(bytes)}\n`);
          },
        });
        break;
      }
      case 'import':
        await provider.import({ ...base, instance, target: env.import!, in: 0 });
        break;
    }
    await stack.unwind();
    log.debug(`${script} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } catch (e) {
    await stack.unwind();
    const err = toOsError(e);
    if (err instanceof OsErrors && err.problems.length > 1) for (const line of err.lines()) log.error(line);
    else if (!isOsError(e) && e instanceof Error && e.stack) log.debug(e.stack);
    log.error(err.oneLine());
    return err.exitCode;
  } finally {
    guard?.dispose();
  }
}
