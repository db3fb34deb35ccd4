/**
 * The hooks of one run: discovered once (the variant's and the provider-wide directory), then run
 * phase by phase with the hook environment. `beforeHooks` lets the caller make the guest ready for
 * commands (chroot mounts) only when some hook of the phase exists.
 */
import { providerHooksDir } from '../config/paths.js';
import { renderGanetiEnv } from '../ganeti/render-env.js';
import type { ScriptEnv } from '../ganeti/types.js';
import { buildHookEnv, discoverHooks, runHooks, type Phase } from '../hooks/index.js';
import type { CleanupStack } from '../runtime/cleanup.js';
import type { Logger } from '../runtime/logger.js';
import type { ProviderPaths } from '../sdk/types.js';
import type { LinuxConfig } from './installer.js';

export type PhaseRunner = (phase: Phase) => Promise<void>;

export interface HookRunInput {
  os: string;
  env: ScriptEnv;
  paths: ProviderPaths;
  cfg: LinuxConfig;
  extra: Record<string, string>;
  disk: { target: string; device: string; rootDevice?: string };
  log: Logger;
  stack: CleanupStack;
  signal: AbortSignal;
  beforeHooks: () => Promise<unknown>;
}

export async function hookRunner(i: HookRunInput): Promise<PhaseRunner> {
  const h = i.cfg.settings.hooks;
  const plan = await discoverHooks({
    variantHooks: h.hooks,
    providerHooksDir: h.customizeDir || providerHooksDir(i.os, { configDir: i.paths.configDir }),
    useProviderHooks: h.providerHooks,
    log: i.log,
  });
  for (const w of plan.warnings) i.log.warn(w);
  return async (phase) => {
    if (plan.phases[phase].length === 0) return;
    await i.beforeHooks();
    const env = buildHookEnv({
      ganetiVars: renderGanetiEnv(i.env),
      nics: i.env.instance?.nics ?? [],
      phase,
      os: i.os,
      variant: i.cfg.resolved.name,
      target: i.disk.target,
      blockdev: i.disk.device,
      ...(i.disk.rootDevice ? { fsysdev: i.disk.rootDevice } : {}),
      values: i.cfg.resolved.values,
      extra: i.extra,
      inherited: i.cfg.resolved.legacyExports,
    });
    await runHooks(plan, phase, {
      env,
      target: i.disk.target,
      log: i.log,
      stack: i.stack,
      timeoutSec: h.hookTimeout,
      signal: i.signal,
    });
  };
}
