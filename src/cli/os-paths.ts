/**
 * Where an OS's configuration lives, for admin commands: from its installed OS directory's
 * manifest when it is installed, else the defaults (the package's own shipped variants).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE, readManifest } from '../ganeti/manifest.js';
import { DEFAULTS } from '../install/install.js';
import type { ProviderPaths } from '../sdk/types.js';

export interface OsPathOptions {
  osDir?: string;
  configRoot?: string;
  packageRoot: string;
}

export function osPaths(
  name: string,
  o: OsPathOptions,
): ProviderPaths & { installed: boolean; module?: string } {
  const dir = join(o.osDir ?? DEFAULTS.osDir, name);
  if (existsSync(join(dir, MANIFEST_FILE))) {
    const m = readManifest(dir);
    return {
      osDir: dir,
      configDir: m.configDir,
      shareDir: m.shareDir,
      cacheDir: m.cacheDir,
      installed: true,
      ...(m.module ? { module: m.module } : {}),
    };
  }
  return {
    osDir: dir,
    configDir: join(o.configRoot ?? DEFAULTS.configRoot, `instance-${name}`),
    shareDir: o.packageRoot,
    cacheDir: join(DEFAULTS.cacheRoot, name),
    installed: false,
  };
}
