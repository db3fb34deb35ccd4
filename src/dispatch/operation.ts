/**
 * One provider operation from a Ganeti environment: parse and validate it, resolve the OS
 * parameters (private values are masked in the log from here on), build the context, run, and
 * unwind the cleanup stack whatever happens. Used by the scripts and by `ganeti-os build`.
 */
import { writeSync } from 'node:fs';
import { resolveParams } from '../sdk/params.js';
import type { AnyProvider, BaseContext, ProviderPaths } from '../sdk/types.js';
import { CleanupStack } from '../runtime/cleanup.js';
import { OsError, OsErrors } from '../runtime/errors.js';
import { Logger } from '../runtime/logger.js';
import { guardSignals } from '../runtime/signals.js';
import { parseScriptEnv } from '../ganeti/env.js';
import { ospKey } from '../ganeti/osp.js';
import type { ScriptName } from '../ganeti/types.js';

export interface OperationInput {
  provider: AnyProvider;
  script: ScriptName;
  env: Readonly<Record<string, string | undefined>>;
  paths: ProviderPaths;
  log: Logger;
  /** Keep the log level the caller chose instead of DEBUG_LEVEL's. */
  keepLogLevel?: boolean;
}

export async function runOperation(input: OperationInput): Promise<void> {
  const { provider, script, paths, log } = input;
  const env = parseScriptEnv(script, input.env);
  if (!input.keepLogLevel) log.setLevel(Logger.levelFromDebug(env.os.debugLevel));
  for (const [name, d] of Object.entries(provider.params)) {
    const value = env.os.params[ospKey(name)];
    if (d.private && value) log.redact(value);
  }
  const { values, problems, warnings } = resolveParams(provider.params, env.os.params);
  for (const w of warnings) log.warn(w);
  if (problems.length > 0) throw new OsErrors(problems);
  if (script === 'verify') {
    const cfg = provider.variantConfig;
    if (cfg && env.os.variant) await checkVariant(provider.name, cfg, paths, env.os.variant, log);
    await provider.verify?.(values, { variant: env.os.variant, paths, log });
    return;
  }
  if (!provider[script]) {
    if ((provider.noOp as readonly string[] | undefined)?.includes(script)) return;
    throw unsupported(provider.name, script);
  }
  const stack = new CleanupStack(log);
  const guard = guardSignals(stack, log);
  try {
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
      cleanupRunner: new ExecRunner(log),
    };
    const instance = env.instance!;
    const started = Date.now();
    log.debug(
      `${script} ${instance.name} with ${provider.name}${env.os.variant ? '+' + env.os.variant : ''} (API ${env.os.apiVersion})`,
    );
    switch (script) {
      case 'create':
        await provider.create?.({ ...base, instance, reinstall: instance.reinstall });
        break;
      case 'rename':
        await provider.rename?.({ ...base, instance, oldName: env.oldName ?? '' });
        break;
      case 'export': {
        const target = env.export!;
        await provider.export?.({
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
        await provider.import?.({ ...base, instance, target: env.import!, in: 0 });
        break;
    }
    log.debug(`${script} done in ${((Date.now() - started) / 1000).toFixed(1)} s, cleaning up`);
  } finally {
    await stack.unwind();
    guard.dispose();
  }
}

/**
 * A variant is checked where Ganeti checks it, before it makes the disks: published and resolving
 * (an error names the file and line). The script entry answers instead while the manifest's record
 * vouches for it (fast-path.ts variantState); here, when it could not or the provider has a verify
 * hook. Only variant files are resolved: a provider's own variants() answers for itself.
 */
async function checkVariant(
  os: string,
  cfg: NonNullable<AnyProvider['variantConfig']>,
  paths: ProviderPaths,
  variant: string,
  log: Logger,
): Promise<void> {
  // Loaded only here, as the operations load theirs: a plain verify pays for neither.
  const [load, { ExecRunner }] = await Promise.all([
    import('../config/load.js'),
    import('../process/runner.js'),
  ]);
  const files = {
    os,
    schema: cfg.schema,
    ...(cfg.legacy ? { legacy: cfg.legacy } : {}),
    ...(cfg.configExtension ? { configExtension: cfg.configExtension } : {}),
  };
  await load.verifyVariant(files, paths, variant, new ExecRunner(log));
}

/** The answer to an operation the provider leaves out: Ganeti shows the admin this line. */
function unsupported(os: string, op: Exclude<ScriptName, 'verify'>): OsError {
  const raw = "the noop provider moves an instance's disks as raw bytes";
  const hint = {
    create: `the ${os} provider installs nothing: give it a create(), or add the instance with another OS (e.g. -o noop) and install the guest yourself`,
    rename: 'Ganeti has renamed the instance: change the name inside the guest yourself',
    export: `${raw}: switch the instance to it (gnt-instance modify -o noop) before exporting`,
    import: `${raw}: import the instance with -o noop`,
  }[op];
  return new OsError('E_UNSUPPORTED', `${os} does not support ${op}`, { hint });
}
