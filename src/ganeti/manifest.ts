/**
 * `ganeti-os.json` in each installed OS directory: tells the shared script entry which provider it
 * runs and where that provider's configuration lives. Ganeti ignores files it does not know.
 * Light on purpose (no valibot, no execa): the script entry's fast paths read it too.
 */
import { existsSync, readFileSync } from 'node:fs';
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
