/**
 * Where variant files are looked up. For provider <os>:
 *
 *   1. <configRoot>/instance-<os>/variants/<variant>.yaml   the admin's file (configRoot: /etc/ganeti)
 *   2. <package>/variants/<os>/<variant>.yaml                the file shipped with ganeti-os
 *   3. <configRoot>/instance-<os>/variants/<variant>.conf   a legacy shell file (instance-debootstrap)
 *
 * The first existing YAML file is the variant; a legacy `.conf` alone also makes a variant, and so
 * does a file with the provider's configuration extension (`configExtension`, guix's `.scm`) in
 * either variants directory. The
 * legacy defaults file is /etc/default/ganeti-instance-<os>, i.e. <configRoot>/../default/ganeti-instance-<os>.
 *
 * The configuration root is an option; nothing here reads the process environment. Entry points
 * pick the directory with configDirOf: an explicit root (`--config-root`, else GANETI_OS_CONFIG_DIR)
 * wins, else the one `ganeti-os install` recorded in the OS's manifest, else /etc/ganeti. Ganeti
 * runs the scripts with a clean environment, so for them the recorded directory is what counts.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULTS } from '../ganeti/defaults.js';

export interface ConfigLocation {
  /** Replaces /etc/ganeti (tests, non-standard layouts). */
  configRoot?: string;
  /** The OS's own configuration directory; default <configRoot>/instance-<os>. */
  configDir?: string;
  /** Directory of the shipped variants of this OS; default <package>/variants/<os>; null: none. */
  shippedDir?: string | null;
  /**
   * A file `<variant><configExtension>` (guix: `.scm`) in a variants directory is a variant by
   * itself, every key at its default; unset for providers whose variants are YAML files only.
   */
  configExtension?: string;
}

/** The configuration root GANETI_OS_CONFIG_DIR names in an environment record; undefined when unset or blank. */
export function configRootFromEnv(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const v = env['GANETI_OS_CONFIG_DIR'];
  return v && v.trim() !== '' ? path.resolve(v) : undefined;
}

/**
 * The configuration directory of OS `os`: <root>/instance-<os> for an explicit root, else the one
 * recorded at install time, else /etc/ganeti/instance-<os>.
 */
export function configDirOf(os: string, root: string | undefined, recorded?: string): string {
  if (root !== undefined) return osConfigDir(os, { configRoot: path.resolve(root) });
  return recorded ?? osConfigDir(os);
}

/** /etc/ganeti/instance-<os> */
export function osConfigDir(os: string, loc: ConfigLocation = {}): string {
  return loc.configDir ?? path.join(loc.configRoot ?? DEFAULTS.configRoot, `instance-${os}`);
}

/** /etc/ganeti/instance-<os>/variants */
export function adminVariantsDir(os: string, loc: ConfigLocation = {}): string {
  return path.join(osConfigDir(os, loc), 'variants');
}

/** /etc/ganeti/instance-<os>/hooks: the provider-wide hooks (instance-debootstrap's CUSTOMIZE_DIR). */
export function providerHooksDir(os: string, loc: ConfigLocation = {}): string {
  return path.join(osConfigDir(os, loc), 'hooks');
}

/** /etc/default/ganeti-instance-<os> (with a non-default root: <root>/../default/ganeti-instance-<os>). */
export function legacyDefaultsFile(os: string, loc: ConfigLocation = {}): string {
  const root = loc.configRoot ?? (loc.configDir ? path.dirname(loc.configDir) : DEFAULTS.configRoot);
  return path.join(root, '..', 'default', `ganeti-instance-${os}`);
}

let cachedRoot: string | undefined;

/** The installed package's root directory (holds variants/ and hooks/). */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'ganeti-os')
          return (cachedRoot = dir);
      } catch {
        // not ours; keep walking up
      }
    }
    const up = path.dirname(dir);
    if (up === dir)
      throw new Error(
        'cannot find the ganeti-os package root (package.json) above ' + fileURLToPath(import.meta.url),
      );
    dir = up;
  }
}

/** <package>/variants/<os>, or the configured one; undefined when disabled. */
export function shippedVariantsDir(os: string, loc: ConfigLocation = {}): string | undefined {
  if (loc.shippedDir === null) return undefined;
  return loc.shippedDir ?? path.join(packageRoot(), 'variants', os);
}

export interface VariantCandidate {
  file: string;
  source: 'admin' | 'shipped';
}

/** Every YAML file named <variant>.yaml, in lookup order (admin first). */
export function variantCandidates(os: string, variant: string, loc: ConfigLocation = {}): VariantCandidate[] {
  const out: VariantCandidate[] = [];
  const admin = path.join(adminVariantsDir(os, loc), `${variant}.yaml`);
  if (existsSync(admin)) out.push({ file: admin, source: 'admin' });
  const shippedDir = shippedVariantsDir(os, loc);
  if (shippedDir) {
    const shipped = path.join(shippedDir, `${variant}.yaml`);
    if (existsSync(shipped)) out.push({ file: shipped, source: 'shipped' });
  }
  return out;
}

/**
 * The variant's files with the configuration extension (`<variant>.scm`), admin first; none when
 * the provider has no configuration extension.
 */
export function variantConfigFiles(
  os: string,
  variant: string,
  loc: ConfigLocation = {},
): VariantCandidate[] {
  const ext = loc.configExtension;
  if (!ext) return [];
  const out: VariantCandidate[] = [];
  const admin = path.join(adminVariantsDir(os, loc), `${variant}${ext}`);
  if (existsSync(admin)) out.push({ file: admin, source: 'admin' });
  const shippedDir = shippedVariantsDir(os, loc);
  if (shippedDir) {
    const shipped = path.join(shippedDir, `${variant}${ext}`);
    if (existsSync(shipped)) out.push({ file: shipped, source: 'shipped' });
  }
  return out;
}

/** The legacy shell file of a variant, if it exists. */
export function legacyVariantFile(os: string, variant: string, loc: ConfigLocation = {}): string | undefined {
  const f = path.join(adminVariantsDir(os, loc), `${variant}.conf`);
  return existsSync(f) ? f : undefined;
}

/** Directories searched, for error messages. */
export function searchedDirs(os: string, loc: ConfigLocation = {}): string[] {
  const dirs = [adminVariantsDir(os, loc)];
  const shipped = shippedVariantsDir(os, loc);
  if (shipped) dirs.push(shipped);
  return dirs;
}
