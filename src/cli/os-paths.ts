/**
 * Where an OS's configuration lives, for admin commands: from its installed OS directory's
 * manifest when it is installed, else the defaults (the package's own shipped variants). An
 * explicit configuration root (the command's --config-root, else GANETI_OS_CONFIG_DIR) replaces
 * the recorded one, with a warning when the installed scripts read another directory.
 */
import { join } from 'node:path';
import { configDirOf } from '../config/paths.js';
import { DEFAULTS } from '../ganeti/defaults.js';
import { hasManifest, readManifest } from '../ganeti/manifest.js';
import type { ProviderPaths } from '../sdk/types.js';
import type { CliContext } from './context.js';

export interface OsPathOptions {
  osDir?: string;
  /** The command's --config-root; default: the context's (GANETI_OS_CONFIG_DIR). */
  configRoot?: string;
}

export type OsPaths = ProviderPaths & { installed: boolean; module?: string };

export function osPaths(
  name: string,
  ctx: Pick<CliContext, 'packageRoot' | 'configRoot' | 'log'>,
  o: OsPathOptions = {},
): OsPaths {
  const dir = join(o.osDir ?? DEFAULTS.osDir, name);
  const root = o.configRoot ?? ctx.configRoot;
  if (hasManifest(dir)) {
    const m = readManifest(dir);
    const configDir = configDirOf(name, root, m.configDir);
    if (configDir !== m.configDir) {
      ctx.log.warn(
        `using ${configDir}, but the scripts of ${dir} read ${m.configDir}: ` +
          `\`ganeti-os install --config-root ${root ?? DEFAULTS.configRoot} ${name}\` moves them there`,
      );
    }
    return {
      osDir: dir,
      configDir,
      shareDir: m.shareDir,
      cacheDir: m.cacheDir,
      installed: true,
      ...(m.module ? { module: m.module } : {}),
    };
  }
  return {
    osDir: dir,
    configDir: configDirOf(name, root),
    shareDir: ctx.packageRoot,
    cacheDir: join(DEFAULTS.cacheRoot, name),
    installed: false,
  };
}
