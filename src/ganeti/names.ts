/**
 * The names of the OS API: OS directory names, variant names (and Ganeti's `os+variant` form) and
 * parameter names. One rule each, shared by install, the variant files, the CLI and providers.
 */
import { OsError } from '../runtime/errors.js';

/** An OS (directory) name: Ganeti only finds directories named like this. */
export const OS_NAME = /^[a-zA-Z0-9_-]+$/;

/** A parameter name parameters.list can carry: Ganeti takes the line's first token as the name. */
export const PARAM_NAME = /^[a-z][a-z0-9_-]*$/;

/** Throw E_OS_NAME unless `name` is a valid OS name. */
export function checkOsName(name: string): void {
  if (!OS_NAME.test(name)) {
    throw new OsError('E_OS_NAME', `OS name ${JSON.stringify(name)} is not valid`, {
      hint: 'Ganeti only finds OS directories named with letters, digits, _ and -',
    });
  }
}

/**
 * Why a name is not a valid variant name, or undefined when it is. Ganeti splits `os+variant` at the
 * first `+`, so a variant may itself contain `+` (`testing+contrib+paravirtualized`). A variant name
 * becomes a file name, so it must never reach outside the variants directory (no `/`, no `..`), and
 * it starts with a letter, digit or `_`: not a hidden file, not an option (`-x`), not `os++x`.
 */
export function variantNameProblem(name: string): string | undefined {
  if (name === '') return 'the name is empty';
  if (name.includes('/')) return 'it contains "/"';
  if (name.includes('..')) return 'it contains ".."';
  if (!/^[A-Za-z0-9_.+-]+$/.test(name)) return 'it contains characters outside [A-Za-z0-9_.+-]';
  if (!/^[A-Za-z0-9_]/.test(name)) return `it starts with ${JSON.stringify(name[0])}`;
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
        hint: 'variant names use only letters, digits and _ . + - and start with a letter, digit or _',
      },
    );
  }
}

/** Split Ganeti's `name+variant` at the first `+` (as Ganeti does). */
export function splitOsName(full: string): { os: string; variant: string } {
  const i = full.indexOf('+');
  return i < 0 ? { os: full, variant: '' } : { os: full.slice(0, i), variant: full.slice(i + 1) };
}
