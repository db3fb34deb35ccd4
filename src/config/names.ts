/**
 * Variant names. Ganeti splits `os+variant` at the first `+`, so a variant name may itself contain
 * `+` (`testing+contrib+paravirtualized`). A variant name becomes a file name, so it must never
 * reach outside the variants directory: no `/`, no `..`, no leading `.`, and only [A-Za-z0-9_.+-].
 */
import { OsError } from '../runtime/errors.js';

const ALLOWED = /^[A-Za-z0-9_.+-]+$/;

/** Why a name is not a valid variant name, or undefined when it is. */
export function variantNameProblem(name: string): string | undefined {
  if (name === '') return 'the name is empty';
  if (name.includes('/')) return 'it contains "/"';
  if (name.includes('..')) return 'it contains ".."';
  if (name.startsWith('.')) return 'it starts with "."';
  if (!ALLOWED.test(name)) return 'it contains characters outside [A-Za-z0-9_.+-]';
  if (name.length > 200) return 'it is longer than 200 characters';
  return undefined;
}

/** Throw E_VARIANT_NAME unless `name` is a valid variant name; `where` names the file or option it came from. */
export function checkVariantName(name: string, where?: string): void {
  const problem = variantNameProblem(name);
  if (problem) {
    throw new OsError(
      'E_VARIANT_NAME',
      `${where ? `${where}: ` : ''}invalid variant name ${JSON.stringify(name)}: ${problem}`,
      {
        hint: 'variant names use only letters, digits and _ . + - and do not start with "."',
      },
    );
  }
}

/** Split Ganeti's `name+variant` at the first `+` (as Ganeti does). */
export function splitOsName(full: string): { os: string; variant: string } {
  const i = full.indexOf('+');
  return i < 0 ? { os: full, variant: '' } : { os: full.slice(0, i), variant: full.slice(i + 1) };
}
