/**
 * The ganeti-os SDK for writing providers: `import { defineProvider, param, OsError } from 'ganeti-os/sdk'`.
 * See README "Writing a provider".
 */
export { defineProvider } from './provider/types.js';
export type {
  Provider,
  ProviderPaths,
  BaseContext,
  CreateContext,
  ExportContext,
  ImportContext,
  RenameContext,
  VerifyContext,
  VariantsContext,
} from './provider/types.js';
export { param } from './provider/params.js';
export type { ParamDecl, ParamDecls, ParamValues } from './provider/params.js';
export { OsError, isOsError } from './runtime/errors.js';
export { Logger } from './runtime/logger.js';
export { CleanupStack } from './runtime/cleanup.js';
export type { Runner, RunOptions, RunResult } from './process/runner.js';
export type { InstanceInfo, DiskInfo, NicInfo, NetworkInfo, ScriptEnv } from './ganeti/types.js';
