/** Hooks: discovery (run-parts rules, phases), the hook environment, running them. */
export {
  discoverHooks,
  phaseOfName,
  planHooks,
  PHASES,
  PHASE_ALIASES,
  phaseNamed,
  DEFAULT_PHASE,
  type Hook,
  type HookPlan,
  type Phase,
  type DiscoverOptions,
} from './discover.js';
export { buildHookEnv, hookOwnEnv, nicJson, varName, type HookEnvInput, type NicJson } from './env.js';
export { runHooks, DEFAULT_HOOK_TIMEOUT_SEC, type RunHooksOptions, type HookRun } from './run.js';
export { execHook, terminateGroup, type HookExecOptions, type HookExecResult } from './exec.js';
