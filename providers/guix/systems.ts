/**
 * `guix build --list-systems` and `--list-targets` (pure): the parser of their output and the
 * check of the `system` and `target` parameters against it.
 */
import { OsError } from 'ganeti-os/sdk';

/** The names of a `The available systems are:` / `targets are:` listing (`- x86_64-linux [current]`). */
export function parseGuixList(output: string): string[] {
  const names: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^\s*-\s+([A-Za-z0-9_.+-]+)(\s+\[current\])?\s*$/.exec(line);
    if (m) names.push(m[1]!);
  }
  return names;
}

/** Throws E_GUIX_SYSTEM when `value` is not among `known` (a listing that parsed to nothing checks nothing). */
export function checkListed(param: 'system' | 'target', value: string, known: readonly string[]): void {
  if (known.length === 0 || known.includes(value)) return;
  const what = param === 'system' ? 'system' : 'cross-compilation target';
  throw new OsError(
    'E_GUIX_SYSTEM',
    `OS parameter ${param} ${JSON.stringify(value)} is not a supported ${what} of this guix`,
    { hint: `accepted (guix build --list-${param}s): ${known.join(', ')}` },
  );
}
