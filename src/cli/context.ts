/** What every CLI command gets: a logger on stderr, output on stdout, and where the bundle lives. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '../runtime/logger.js';

export interface CliContext {
  log: Logger;
  out: (text: string) => void;
  distDir: string;
  packageRoot: string;
}

export function defaultContext(): CliContext {
  const distDir = dirname(fileURLToPath(import.meta.url));
  return {
    log: new Logger('info'),
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
    distDir,
    packageRoot: join(distDir, '..'),
  };
}
