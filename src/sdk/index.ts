/**
 * The ganeti-os SDK for writing providers: `import { defineProvider, param, OsError } from 'ganeti-os/sdk'`.
 * See README "Writing a provider".
 */
export { defineProvider } from './types.js';
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
} from './types.js';
export { param } from './params.js';
export type { ParamDecl, ParamDecls, ParamValues } from './params.js';
export { OsError, isOsError } from '../runtime/errors.js';
export { Logger } from '../runtime/logger.js';
export { CleanupStack } from '../runtime/cleanup.js';
export type { Runner, RunOptions, RunResult } from '../process/runner.js';
export type { InstanceInfo, DiskInfo, NicInfo, NetworkInfo, ScriptEnv } from '../ganeti/types.js';
