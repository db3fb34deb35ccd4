/**
 * An OS name another search directory already holds (Debian's ganeti-instance-debootstrap and
 * ganeti-os-noop put debootstrap and noop in /usr/share/ganeti/os): which directory Ganeti would run,
 * and what the admin can do about it. Ganeti's runtime takes the first search-path directory holding
 * a name; `gnt-os diagnose` fails while a name is in two.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { OsError } from '../runtime/errors.js';

export interface Clash {
  name: string;
  /** Where ganeti-os would install the OS (`<osDir>/<name>`). */
  ours: string;
  /** The other directory holding the name. */
  other: string;
  /** The Debian package that owns `other`, when one does. */
  otherPackage?: string | undefined;
  /** Ganeti's OS search path. */
  searchPath: readonly string[];
}

/** The first directory of `searchPath` other than `osDir` that holds an entry `name` (a directory). */
export function otherHolder(name: string, osDir: string, searchPath: readonly string[]): string | undefined {
  const mine = resolve(osDir);
  for (const dir of searchPath) {
    if (resolve(dir) === mine) continue;
    const p = join(dir, name);
    try {
      if (statSync(p).isDirectory()) return p;
    } catch {
      // not there
    }
  }
  return undefined;
}

/** The package whose dpkg file list names `path` exactly, if any (dpkg -S without running dpkg). */
export function owningPackage(path: string, infoDir = '/var/lib/dpkg/info'): string | undefined {
  let lists: string[];
  try {
    lists = readdirSync(infoDir).filter((f) => f.endsWith('.list'));
  } catch {
    return undefined;
  }
  for (const f of lists) {
    try {
      if (readFileSync(join(infoDir, f), 'utf8').split('\n').includes(path))
        return f.slice(0, -5).split(':')[0];
    } catch {
      // unreadable list: not this one
    }
  }
  return undefined;
}

/** Index in the search path of the directory holding `osPath`, or -1. */
function rank(osPath: string, searchPath: readonly string[]): number {
  const parent = dirname(resolve(osPath));
  return searchPath.findIndex((d) => resolve(d) === parent);
}

/** The E_OS_DUPLICATE error for a clash: one line on what exists, the hint on which runs and the choices. */
export function clashError(c: Clash): OsError {
  const owner = c.otherPackage ? ` (Debian package ${c.otherPackage})` : '';
  const ourRank = rank(c.ours, c.searchPath);
  const otherRank = rank(c.other, c.searchPath);
  const runs =
    ourRank === -1
      ? `${c.ours} is not in Ganeti's OS search path (${c.searchPath.join(', ')}), so Ganeti runs ${c.other}`
      : ourRank < otherRank
        ? `Ganeti runs the first search-path directory holding a name: ${c.ours} would shadow ${c.other}`
        : `Ganeti runs the first search-path directory holding a name: ${c.other} comes first, ${c.ours} would be hidden`;
  const remove = c.otherPackage ? `remove it (apt remove ${c.otherPackage})` : `remove or rename ${c.other}`;
  return new OsError('E_OS_DUPLICATE', `${c.other}${owner} already provides an OS named ${c.name}`, {
    hint:
      `${runs}, and gnt-os diagnose fails while a name is in two directories; choose: ` +
      `install ours under another name (ganeti-os install ${c.name} --as <name>), ${remove}, ` +
      `or install anyway with --force`,
  });
}
