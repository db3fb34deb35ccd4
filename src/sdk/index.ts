/**
 * `ganeti-os/sdk`: what every provider's index module imports, built-in ones too. Light on purpose
 * (Ganeti runs `verify` often): the provider definition, parameter declarations, the error type,
 * the variant schema and its shared fragments. The install pipeline and its pieces, for a
 * provider's operation modules, are in `ganeti-os/sdk/linux`. See README "Writing a provider".
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
  WarmContext,
} from './types.js';
export { defineLinuxProvider, type LinuxProviderSpec } from './linux-provider.js';
export { param } from './params.js';
export { cloudUserdataParam, filesystemParam, rootPasswordParam, sshKeyParam } from './linux-params.js';
export type { ParamDecl, ParamDecls, ParamValues } from './params.js';
export { OsError, isOsError } from '../runtime/errors.js';
/** A URL with its credentials replaced, for logs. */
export { redactUrl } from '../fetch/url.js';
export { Logger } from '../runtime/logger.js';
export { CleanupStack } from '../runtime/cleanup.js';
export type { Runner, RunOptions, RunResult } from '../process/types.js';
export type { InstanceInfo, DiskInfo, NicInfo, NetworkInfo, ScriptEnv } from '../ganeti/types.js';
export {
  defineSchema,
  defaultsOf,
  schemaDocs,
  type KeySpec,
  type Value,
  type VariantSchema,
} from '../config/schema.js';
export type { LegacyMapping } from '../config/legacy.js';
export {
  BOOT_KEYS,
  CACHE_KEYS,
  DISK_KEYS,
  GUEST_KEYS,
  HOOK_KEYS,
  ROOT_FS_VALUES,
  SSH_KEY_PATTERN,
  settingsOf,
  defineVariantSchema,
  linuxSettings,
  type Settings,
  type LinuxSettings,
  type DiskSettings,
  type BootSettings,
  type GuestSettings,
  type HookSettings,
  type CacheSettings,
} from '../linux/schema.js';
