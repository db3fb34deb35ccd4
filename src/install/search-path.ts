/** Ganeti's OS search path on this node, read from the installed Ganeti when there is one. */
import { readdirSync, readFileSync } from 'node:fs';

const DEFAULT_SEARCH_PATH = [
  '/srv/ganeti/os',
  '/usr/local/lib/ganeti/os',
  '/usr/lib/ganeti/os',
  '/usr/share/ganeti/os',
];

export function ganetiSearchPath(root = '/usr/share/ganeti'): string[] {
  let versions: string[];
  try {
    versions = readdirSync(root)
      .filter((d) => /^\d+\.\d+$/.test(d))
      .sort()
      .reverse();
  } catch {
    return DEFAULT_SEARCH_PATH;
  }
  for (const v of versions) {
    try {
      const text = readFileSync(`${root}/${v}/ganeti/_constants.py`, 'utf8');
      const m = /^OS_SEARCH_PATH = \[(.*)\]$/m.exec(text);
      if (m?.[1]) return [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]!);
    } catch {
      // try the next version
    }
  }
  return DEFAULT_SEARCH_PATH;
}
