/**
 * What every CLI command gets: a logger on stderr, output on stdout, where the bundle lives, the
 * providers (the built-in list comes from the entry point) and the configuration root the
 * environment names (GANETI_OS_CONFIG_DIR).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configRootFromEnv } from '../config/paths.js';
import type { Registry } from '../dispatch/registry.js';
import { Logger } from '../runtime/logger.js';

export interface CliContext {
  log: Logger;
  out: (text: string) => void;
  distDir: string;
  packageRoot: string;
  providers: Registry;
  /** GANETI_OS_CONFIG_DIR when set: replaces /etc/ganeti unless a command's --config-root does. */
  configRoot: string | undefined;
}

export function defaultContext(
  providers: Registry,
  env: Readonly<Record<string, string | undefined>> = process.env,
): CliContext {
  const distDir = dirname(fileURLToPath(import.meta.url));
  return {
    log: new Logger('info'),
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
    distDir,
    packageRoot: join(distDir, '..'),
    providers,
    configRoot: configRootFromEnv(env),
  };
}
