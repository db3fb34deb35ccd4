/**
 * The one error type of ganeti-os. Every failure a user can cause or meet carries a stable
 * machine code (`E_DISK_TOO_SMALL`), a one-line message that names the problem and a one-line hint
 * that says what to do. Entry points catch it once and print `error[<code>]: <message> (hint: ...)`
 * as the last log line, because Ganeti shows the admin only the last 20 lines of a script's log.
 *
 * The codes are a closed union (ErrorCode), one named family per concern, so a misspelled code in a
 * `new OsError(...)` or in an `e.code === '...'` test is a compile error. They are types only: this
 * module is loaded by the small CommonJS script entry and costs nothing more at run time.
 */

/** Block devices, partition tables, filesystems, mounts (src/disk/). */
export type DiskErrorCode =
  | 'E_DISK_BLKID'
  | 'E_DISK_BUSY'
  | 'E_DISK_CRYPT'
  | 'E_DISK_FLUSH'
  | 'E_DISK_IMAGE'
  | 'E_DISK_IN_USE'
  | 'E_DISK_LOOP'
  | 'E_DISK_MAP'
  | 'E_DISK_MAPPER'
  | 'E_DISK_MISSING'
  | 'E_DISK_MKFS'
  | 'E_DISK_MOUNT'
  | 'E_DISK_MOUNTPOINT'
  | 'E_DISK_NODES'
  | 'E_DISK_NO_ROOT'
  | 'E_DISK_PARTITION'
  | 'E_DISK_RO'
  | 'E_DISK_SIZE'
  | 'E_DISK_TABLE'
  | 'E_DISK_TOO_SMALL'
  | 'E_DISK_TYPE'
  | 'E_DISK_UMOUNT'
  | 'E_DISK_WIPE'
  | 'E_NO_DISK';

/** Partition layout options of a variant (style, alignment, filesystem). */
export type LayoutErrorCode =
  'E_LAYOUT_ALIGNMENT' | 'E_LAYOUT_FILESYSTEM' | 'E_LAYOUT_OPTION' | 'E_LAYOUT_STYLE';

/** The bootstrap cache and its filesystem images (src/cache/). */
export type CacheErrorCode =
  | 'E_CACHE_CORRUPT'
  | 'E_CACHE_DIR'
  | 'E_CACHE_LOCKED'
  | 'E_CACHE_MOUNTED'
  | 'E_CACHE_PACK'
  | 'E_CACHE_UNPACK'
  | 'E_NO_CACHE';

/** Variant files, their schema and the legacy shell configuration (src/config/). */
export type VariantErrorCode =
  | 'E_VARIANT_CYCLE'
  | 'E_VARIANT_DEFAULT'
  | 'E_VARIANT_KEY'
  | 'E_VARIANT_MISSING'
  | 'E_VARIANT_NAME'
  | 'E_VARIANT_PARENT'
  | 'E_VARIANT_READ'
  | 'E_VARIANT_SYNTAX'
  | 'E_VARIANT_UNKNOWN'
  | 'E_VARIANT_VALUE'
  | 'E_NO_VARIANTS'
  | 'E_LEGACY_CONFIG'
  | 'E_LEGACY_VALUE';

/** Configuring the guest's files: paths inside it, accounts, network, apt, fstab (src/guest/). */
export type GuestErrorCode =
  | 'E_GUEST_CONSOLE'
  | 'E_GUEST_HOSTNAME'
  | 'E_GUEST_LOCALE'
  | 'E_GUEST_NETWORK'
  | 'E_GUEST_PASSWORD'
  | 'E_GUEST_PATH'
  | 'E_GUEST_SHADOW'
  | 'E_GUEST_SSH_KEY'
  | 'E_GUEST_SSH_KEYGEN'
  | 'E_GUEST_TARGET'
  | 'E_GUEST_TIMEZONE'
  | 'E_APT_COMPONENTS'
  | 'E_APT_MIRROR'
  | 'E_APT_SUITE'
  | 'E_FSTAB';

/** Populating the tree, boot loaders, boot tests and disk images (providers, src/boot/, src/image-build/). */
export type BootErrorCode =
  | 'E_BOOTSTRAP'
  | 'E_BOOT_ESP'
  | 'E_BOOT_GRUB'
  | 'E_BOOT_KERNEL'
  | 'E_BOOT_MAPPER'
  | 'E_BOOT_OVMF'
  | 'E_BOOT_QEMU'
  | 'E_BOOT_ROOT'
  | 'E_BOOT_TEST'
  | 'E_BUILD_CONVERT'
  | 'E_OUTPUT_EXISTS';

/** Images for the image provider: formats, headers, writing them to a disk, growing (src/image/). */
export type ImageErrorCode =
  | 'E_IMAGE'
  | 'E_IMAGE_CORRUPT'
  | 'E_IMAGE_FORMAT'
  | 'E_IMAGE_GROW'
  | 'E_IMAGE_MISSING'
  | 'E_IMAGE_NAME'
  | 'E_IMAGE_QCOW2'
  | 'E_IMAGE_TOO_LARGE'
  | 'E_IMAGE_UNSAFE'
  | 'E_IMAGE_WRITE';

/** Downloading images and verifying checksums and signatures (src/fetch/). */
export type FetchErrorCode =
  | 'E_FETCH'
  | 'E_FETCH_CHECKSUM'
  | 'E_FETCH_HTML'
  | 'E_FETCH_HTTP'
  | 'E_FETCH_NO_CHECKSUM'
  | 'E_FETCH_SIGNATURE'
  | 'E_FETCH_SIZE'
  | 'E_FETCH_SUMS'
  | 'E_FETCH_URL';

/** Capturing an image from an instance disk (src/capture/). */
export type CaptureErrorCode = 'E_CAPTURE' | 'E_CAPTURE_FORMAT' | 'E_CAPTURE_IN_USE' | 'E_CAPTURE_SUMS';

/** Running guix for the guix provider: channels, systems, configurations, builds (providers/guix/). */
export type GuixErrorCode =
  | 'E_GUIX'
  | 'E_GUIX_BUILD'
  | 'E_GUIX_CHANNEL'
  | 'E_GUIX_COMMIT'
  | 'E_GUIX_CONFIG'
  | 'E_GUIX_MISSING'
  | 'E_GUIX_SYSTEM';

/** Cluster-wide install and checks through Ganeti's own machinery (src/cluster/). */
export type ClusterErrorCode = 'E_CLUSTER_COMMAND' | 'E_CLUSTER_COPY' | 'E_CLUSTER_DRIFT';

/** Admin hooks (src/hooks/). */
export type HookErrorCode = 'E_HOOK_FAILED' | 'E_HOOK_MISSING' | 'E_HOOK_NOT_EXECUTABLE' | 'E_HOOK_TIMEOUT';

/** Export and import streams (src/stream/). */
export type StreamErrorCode =
  | 'E_STREAM'
  | 'E_STREAM_FORMAT'
  | 'E_STREAM_TOO_LARGE'
  | 'E_EXPORT'
  | 'E_EXPORT_TREE'
  | 'E_IMPORT_TARGET'
  | 'E_IMPORT_TREE';

/** Running commands and pipelines, and being interrupted (src/process/, src/runtime/). */
export type ProcessErrorCode = 'E_COMMAND' | 'E_PIPELINE' | 'E_PIPELINE_IO' | 'E_INTERRUPTED';

/** What Ganeti hands a script: environment, parameters, usage, the operations a provider supports. */
export type OsApiErrorCode = 'E_ENV' | 'E_PARAM' | 'E_USAGE' | 'E_UNSUPPORTED' | 'E_INVALID';

/** Installing OS directories and loading providers (src/install/, src/dispatch/registry.ts). */
export type InstallErrorCode =
  | 'E_API_VERSION'
  | 'E_NODE_PATH'
  | 'E_NO_BUNDLE'
  | 'E_NOT_INSTALLED'
  | 'E_OS_DUPLICATE'
  | 'E_OS_FOREIGN'
  | 'E_OS_DIR_WRITE'
  | 'E_OS_NAME'
  | 'E_PARAM_DESC'
  | 'E_PARAM_NAME'
  | 'E_PROVIDER_BUILD'
  | 'E_PROVIDER_INVALID'
  | 'E_PROVIDER_LOAD'
  | 'E_PROVIDER_UNKNOWN';

/**
 * The open family for providers written outside ganeti-os: `E_X_` and an upper-case name
 * (`E_X_LICENSE_MISSING`). It can never collide with a built-in code, and a lower-case typo
 * (`'E_X_license'`) is still a compile error.
 */
export type CustomErrorCode = `E_X_${Uppercase<string>}`;

/** Every code ganeti-os itself raises. */
export type BuiltinErrorCode =
  | DiskErrorCode
  | LayoutErrorCode
  | CacheErrorCode
  | VariantErrorCode
  | GuestErrorCode
  | BootErrorCode
  | HookErrorCode
  | StreamErrorCode
  | ProcessErrorCode
  | OsApiErrorCode
  | InstallErrorCode
  | ImageErrorCode
  | FetchErrorCode
  | CaptureErrorCode
  | GuixErrorCode
  | ClusterErrorCode
  | 'E_INTERNAL';

export type ErrorCode = BuiltinErrorCode | CustomErrorCode;

const brand = Symbol.for('ganeti-os.OsError');

export interface OsErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Exit code for the process; default 1. */
  exitCode?: number;
}

/**
 * A failure with a stable code (ErrorCode), a message and a hint. Built-in code uses the built-in
 * families; a provider of your own may use any of them that fits (`E_PARAM`, `E_UNSUPPORTED`,
 * `E_NO_DISK`, ...) or a code of its own in the `E_X_<NAME>` family (CustomErrorCode):
 * `new OsError('E_X_LICENSE_MISSING', 'no license key', { hint: 'set -O license=...' })`.
 */
export class OsError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: number;
  readonly [brand] = true;

  constructor(code: ErrorCode, message: string, options: OsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    Object.defineProperty(this, 'name', { value: 'OsError', enumerable: false });
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }

  /** The single line shown to the admin. */
  oneLine(): string {
    const msg = this.message.replace(/\s*\n\s*/g, '; ');
    return this.hint ? `error[${this.code}]: ${msg} (hint: ${this.hint})` : `error[${this.code}]: ${msg}`;
  }
}

export function isOsError(e: unknown): e is OsError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true;
}

/** Several independent problems reported at once (env validation, variant files). */
export class OsErrors extends OsError {
  readonly problems: readonly OsError[];
  constructor(problems: readonly OsError[], hint?: string) {
    const first = problems[0];
    super(
      first?.code ?? 'E_INVALID',
      problems.length === 1 && first
        ? first.message
        : `${problems.length} problems: ${problems.map((p) => p.message).join('; ')}`,
      { hint: hint ?? first?.hint },
    );
    this.problems = problems;
  }

  /** One line per problem, for logs where all of them should be seen. */
  lines(): string[] {
    return this.problems.map((p) => p.oneLine());
  }
}

/** Wrap anything thrown into an OsError (unknown errors are internal bugs). */
export function toOsError(e: unknown): OsError {
  if (isOsError(e)) return e;
  if (e instanceof Error) {
    return new OsError('E_INTERNAL', e.message, {
      cause: e,
      hint: 'this is a bug in ganeti-os; rerun with DEBUG_LEVEL=1 and report the log',
    });
  }
  return new OsError('E_INTERNAL', String(e), { hint: 'this is a bug in ganeti-os' });
}

/**
 * The lines every entry point prints for a failure: one per problem when there are several, then
 * the one-line reason, which comes last because Ganeti shows the admin the end of the log.
 */
export function errorLines(e: unknown): { lines: string[]; exitCode: number } {
  const err = toOsError(e);
  const lines = err instanceof OsErrors && err.problems.length > 1 ? err.lines() : [];
  lines.push(err.oneLine());
  return { lines, exitCode: err.exitCode };
}

/** Print a failure as every entry point does (errorLines), the stack of an internal error at debug level. */
export function reportError(
  e: unknown,
  log: { error(line: string): void; debug(line: string): void },
): number {
  if (!isOsError(e) && e instanceof Error && e.stack) log.debug(e.stack);
  const { lines, exitCode } = errorLines(e);
  for (const line of lines) log.error(line);
  return exitCode;
}
