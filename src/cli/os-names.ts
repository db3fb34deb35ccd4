/**
 * The OS names an admin command accepts: the built-in providers and the OSes ganeti-os installed in
 * the OS directory (custom providers included). A typo is an error naming the known ones, never an
 * empty answer about an OS that does not exist.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { hasManifest } from '../ganeti/manifest.js';
import { OsError } from '../runtime/errors.js';
import type { CliContext } from './context.js';

/** Built-in names first, then the other OSes installed in `osDir`, each once. */
export function knownOsNames(ctx: CliContext, osDir: string): string[] {
  let installed: string[] = [];
  try {
    installed = readdirSync(osDir).filter((n) => hasManifest(join(osDir, n)));
  } catch {
    // no OS directory: only the built-in providers
  }
  return [...new Set([...ctx.providers.names(), ...installed.sort()])];
}

/** `name` itself when it is a known OS; else E_PROVIDER_UNKNOWN listing the known ones. */
export function checkOsName(ctx: CliContext, name: string, osDir: string): string {
  const known = knownOsNames(ctx, osDir);
  if (known.includes(name)) return name;
  throw new OsError('E_PROVIDER_UNKNOWN', `unknown OS ${JSON.stringify(name)}`, {
    hint: `known OSes: ${known.join(', ')} (built-in, or installed by ganeti-os in ${osDir})`,
  });
}
