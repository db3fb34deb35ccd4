/**
 * `ganeti-os.json` in each installed OS directory: tells the shared script entry which provider it
 * runs and where that provider's configuration lives. Ganeti ignores files it does not know.
 * Light on purpose (no valibot, no execa): the script entry's fast paths read it too.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { OsError } from '../runtime/errors.js';
import { DEFAULTS } from './defaults.js';

export const MANIFEST_FILE = 'ganeti-os.json';

export interface OsManifest {
  /** Built-in provider name, or the provider's own name for a custom module. */
  provider: string;
  /** Absolute path of a custom provider's bundled module; absent for built-in providers. */
  module?: string;
  configDir: string;
  shareDir: string;
  cacheDir: string;
  /** ganeti-os version that wrote this directory. */
  version: string;
  /**
   * The provider's parameters as data (the SDK's ParamCheck records), so `verify parameters` need not
   * load the provider. Opaque to this layer: the SDK writes them and the dispatcher reads them.
   */
  params?: readonly unknown[];
  /** True when verify must load the provider (it has cross-parameter checks). */
  verifyNeedsProvider?: boolean;
  /** Operations that do nothing; the script entry answers them after checking the environment. */
  noOp?: string[];
  /** export/import move raw disk bytes; the script entry answers them. */
  rawStreams?: boolean;
  /**
   * The published variants, default first, as install or `variants sync` resolved them, each with
   * the files that resolution depends on: `verify` accepts OS_VARIANT from here while none of them
   * changed. null: the provider has no variant files (its own code answers for its variants).
   * Absent in manifests written before this record: verify then resolves the variant for real.
   */
  variants?: readonly VariantRecord[] | null;
  /**
   * Variants left out of variants.list because they did not resolve (`--skip-broken`): verify
   * resolves them for real, so that it says which file and line is wrong, not just "unknown".
   */
  skippedVariants?: readonly string[];
}

/** One published variant and the files its resolution read (or would read, had they existed). */
export interface VariantRecord {
  name: string;
  files: readonly FileStamp[];
}

export interface FileStamp {
  path: string;
  /** fileStamp() of the path when the variant was resolved. */
  stamp: string;
}

/**
 * A cheap fingerprint of a file: size and modification time, or `absent` (a file that appears
 * changes the resolution too, e.g. an admin's variant file over the shipped one). No inode: each
 * install copies the shipped variants anew, keeping their times, and must not outdate the record
 * of an OS it was not asked to install.
 */
export function fileStamp(path: string): string {
  const st = statSync(path, { throwIfNoEntry: false });
  return st ? `${st.size}:${st.mtimeMs}` : 'absent';
}

/**
 * True while every recorded file still has its stamp. A file that cannot be examined counts as
 * changed: the full runtime then resolves the variant and says what is wrong.
 */
export function stampsCurrent(files: readonly FileStamp[]): boolean {
  try {
    return files.every((f) => fileStamp(f.path) === f.stamp);
  } catch {
    return false;
  }
}

/** The answer to a variant the OS does not publish: the script entry and the full runtime say the same. */
export function unpublishedVariant(
  os: string,
  name: string,
  published: readonly string[],
  cause?: unknown,
): OsError {
  return new OsError('E_VARIANT_UNKNOWN', `variant ${name} is not published by ${os}`, {
    cause,
    hint: `choose one of: ${published.join(', ') || '(none installed)'}; see \`ganeti-os variants list ${os}\``,
  });
}

function variantRecords(v: unknown): readonly VariantRecord[] | null | undefined {
  if (v === null) return null;
  if (!Array.isArray(v)) return undefined;
  const ok = v.every(
    (r: Partial<VariantRecord>) =>
      typeof r.name === 'string' &&
      Array.isArray(r.files) &&
      r.files.every((f: Partial<FileStamp>) => typeof f.path === 'string' && typeof f.stamp === 'string'),
  );
  if (!ok) throw new Error('malformed variants record');
  return v as VariantRecord[];
}

/** The file's content (the OS directory writer, os-dir.ts, writes it). */
export function renderManifest(m: OsManifest): string {
  return JSON.stringify(m, null, 2) + '\n';
}

/** True when `osDir` holds a manifest, i.e. ganeti-os installed it. */
export function hasManifest(osDir: string): boolean {
  return existsSync(join(osDir, MANIFEST_FILE));
}

export function readManifest(osDir: string): OsManifest {
  const file = join(osDir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new OsError(
      'E_NOT_INSTALLED',
      `${file} is missing or unreadable (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      {
        hint: 'install the OS with `ganeti-os install`; do not copy OS directories by hand',
      },
    );
  }
  try {
    const m = JSON.parse(text) as Partial<OsManifest>;
    if (typeof m.provider !== 'string' || typeof m.configDir !== 'string') throw new Error('missing fields');
    const variants = variantRecords(m.variants);
    return {
      provider: m.provider,
      ...(typeof m.module === 'string' ? { module: m.module } : {}),
      configDir: m.configDir,
      shareDir: m.shareDir ?? '',
      cacheDir: m.cacheDir ?? join(DEFAULTS.cacheRoot, m.provider),
      version: m.version ?? 'unknown',
      ...(Array.isArray(m.params) ? { params: m.params } : {}),
      verifyNeedsProvider: m.verifyNeedsProvider ?? true,
      ...(Array.isArray(m.noOp) ? { noOp: m.noOp } : {}),
      ...(m.rawStreams === true ? { rawStreams: true } : {}),
      ...(variants !== undefined ? { variants } : {}),
      ...(Array.isArray(m.skippedVariants) ? { skippedVariants: m.skippedVariants.map(String) } : {}),
    };
  } catch (e) {
    throw new OsError(
      'E_NOT_INSTALLED',
      `${file} is not a valid ganeti-os manifest (${(e as Error).message})`,
      {
        hint: 'reinstall the OS with `ganeti-os install`',
      },
    );
  }
}
