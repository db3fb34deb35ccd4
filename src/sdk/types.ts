/**
 * The provider SDK: one typed interface every provider implements, built in or written by an admin.
 * A provider is a plain object made with `defineProvider()`. Keep its module light (parameter
 * declarations, names): Ganeti runs `verify` on every parameter check, so heavy code belongs in
 * modules the operations `import()` lazily.
 */
import type { ApiVersion, InstanceInfo, ScriptEnv, StreamTarget } from '../ganeti/types.js';
import type { Runner } from '../process/types.js';
import type { CleanupStack } from '../runtime/cleanup.js';
import type { Logger } from '../runtime/logger.js';
import type { ParamDecls, ParamValues } from './params.js';
import type { VariantSchema } from '../config/schema.js';
import type { LegacyMapping } from '../config/legacy.js';

/** Where a provider's configuration lives on the node. */
export interface ProviderPaths {
  /** The OS directory Ganeti runs us from, e.g. /srv/ganeti/os/debootstrap. */
  osDir: string;
  /** Admin configuration, e.g. /etc/ganeti/instance-debootstrap (variants/, hooks/). */
  configDir: string;
  /** Files shipped with ganeti-os: stock hooks and variants (…/share). */
  shareDir: string;
  /** Cache directory, e.g. /var/cache/ganeti-os/debootstrap. */
  cacheDir: string;
}

export interface BaseContext<V> {
  env: ScriptEnv;
  /** Typed OS parameter values (defaults applied). */
  params: V;
  /** The selected variant ('' when the OS has none). */
  variant: string;
  paths: ProviderPaths;
  log: Logger;
  /** Register every acquisition here; it unwinds on success, error and signals. */
  cleanup: CleanupStack;
  /** Aborted on SIGTERM/SIGINT/SIGHUP. */
  signal: AbortSignal;
  runner: Runner;
  /**
   * A runner not tied to `signal`, for undo steps (umount, partx -d, losetup -d) that must still
   * run after SIGTERM aborted the run. Pass it to the disk layer as `cleanupRunner`.
   */
  cleanupRunner: Runner;
}

export interface InstanceContext<V> extends BaseContext<V> {
  instance: InstanceInfo;
}

export interface CreateContext<V> extends InstanceContext<V> {
  /** INSTANCE_REINSTALL=1 */
  reinstall: boolean;
}

export interface ExportContext<V> extends InstanceContext<V> {
  /** The disk to read (EXPORT_DEVICE; may be an LVM snapshot) and its index. */
  target: StreamTarget;
  /** Write the stream to this fd (stdout). Never log to it. */
  out: number;
  /** Report the stream size in bytes to Ganeti (EXP_SIZE_FD), when known. */
  reportSize: (bytes: bigint | number) => void;
}

export interface ImportContext<V> extends InstanceContext<V> {
  /** The disk to write (IMPORT_DEVICE) and its index. */
  target: StreamTarget;
  /** Read the stream from this fd (stdin). */
  in: number;
}

export interface RenameContext<V> extends InstanceContext<V> {
  oldName: string;
}

export interface VariantsContext {
  paths: ProviderPaths;
  log: Logger;
}

export interface WarmContext {
  variant: string;
  paths: ProviderPaths;
  log: Logger;
  runner: Runner;
  cleanupRunner: Runner;
  cleanup: CleanupStack;
  signal: AbortSignal;
}

export interface VerifyContext {
  variant: string;
  paths: ProviderPaths;
  log: Logger;
}

export interface Provider<P extends ParamDecls = ParamDecls> {
  /** OS directory name: `^[a-zA-Z0-9_-]+$`. */
  name: string;
  description: string;
  /** Declared API versions, newest first. Default [20, 15, 10]. */
  apiVersions?: readonly ApiVersion[];
  params: P;
  /**
   * Operations that do nothing (noop's create and rename). The script entry answers them after
   * checking Ganeti's environment, without loading the provider: `gnt-instance add` pays only for
   * starting node. The functions are still called when the provider runs in-process (build, tests).
   */
  noOp?: readonly ('create' | 'rename')[];
  /**
   * export/import move each disk's raw bytes (src/stream/raw.ts); the script entry answers them
   * without loading the provider. The functions are still called in-process.
   */
  rawStreams?: boolean;
  /**
   * Published variants, default first. Rendered into variants.list at install and by
   * `ganeti-os variants sync`. Omit for a provider without variants.
   */
  variants?(ctx: VariantsContext): Promise<string[]> | string[];
  /**
   * Variant files: the schema of their keys (for `ganeti-os variants list|show|sync`) and,
   * optionally, how instance-<os> style shell files map onto them. With it, install and sync publish
   * only the variants that resolve, and verify resolves OS_VARIANT. `configExtension`: a file
   * `<variant><configExtension>` of a variants directory is a variant by itself (guix's `.scm`).
   */
  variantConfig?: { schema: VariantSchema; legacy?: LegacyMapping; configExtension?: string };
  /** Fill the cache for a variant without installing anything (`ganeti-os cache warm`). */
  warmCache?(ctx: WarmContext): Promise<{ path: string; hit: boolean }>;
  /** Checks across parameters (each one is already parsed); throw OsError. */
  verify?(params: ParamValues<P>, ctx: VerifyContext): Promise<void> | void;
  /*
   * The operations, each optional: implement those the provider supports. Ganeti running one that is
   * left out gets `error[E_UNSUPPORTED]` (src/dispatch/operation.ts), unless `noOp` lists it.
   */
  create?(ctx: CreateContext<ParamValues<P>>): Promise<void>;
  export?(ctx: ExportContext<ParamValues<P>>): Promise<void>;
  import?(ctx: ImportContext<ParamValues<P>>): Promise<void>;
  rename?(ctx: RenameContext<ParamValues<P>>): Promise<void>;
}

/** Identity helper that gives a provider object its types. */
export function defineProvider<P extends ParamDecls>(provider: Provider<P>): Provider<P> {
  return provider;
}

export type AnyProvider = Provider;
