/**
 * What `gnt-os diagnose` checks of one OS directory (Ganeti's `_TryOSFromDisk`, see the OS API
 * contract §2), for a directory inside a chroot seen from the host: symlinks are followed inside
 * `root`, as Ganeti on that node would follow them.
 */
import { lstatSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

export interface Diagnosis {
  valid: boolean;
  /** Ganeti's diagnose message for the first failed check; '' when valid. */
  message: string;
  apiVersions: number[];
  variants: string[];
  params: [string, string][];
  trusted: boolean;
}

const GANETI_API_VERSIONS = [10, 15, 20];

/** stat(2) of `path` (absolute inside `root`), following symlinks within `root`; undefined if absent. */
function statIn(root: string, path: string, depth = 0): Stats | undefined {
  let st: Stats;
  try {
    st = lstatSync(join(root, path));
  } catch {
    return undefined;
  }
  if (!st.isSymbolicLink()) return st;
  if (depth > 8) return undefined;
  const target = readlinkSync(join(root, path));
  return statIn(root, isAbsolute(target) ? target : join(dirname(path), target), depth + 1);
}

function invalid(message: string): Diagnosis {
  return { valid: false, message, apiVersions: [], variants: [], params: [], trusted: true };
}

/** Diagnose the OS directory `dir` (absolute inside `root`). */
export function diagnoseOsDir(root: string, dir: string): Diagnosis {
  const read = (f: string): string => readFileSync(join(root, dir, f), 'utf8');
  const apiStat = statIn(root, join(dir, 'ganeti_api_version'));
  if (!apiStat) return invalid(`Required file 'ganeti_api_version' not found under path ${dir}`);
  if (!apiStat.isFile()) return invalid(`File 'ganeti_api_version' in ${dir} is not a regular file`);
  const lines = read('ganeti_api_version').replace(/\n$/, '').split('\n');
  if (lines.some((l) => !/^\s*-?\d+\s*$/.test(l)))
    return invalid("API version(s) can't be converted to integer");
  const apiVersions = lines.map((l) => Number(l.trim()));
  if (!apiVersions.some((v) => GANETI_API_VERSIONS.includes(v)))
    return invalid(`API version mismatch for path '${dir}': found ${JSON.stringify(apiVersions)}`);
  const max = Math.max(...apiVersions);
  const files: [string, 'exec' | 'text', boolean][] = [
    ['create', 'exec', false],
    ['create_untrusted', 'exec', false],
    ['export', 'exec', true],
    ['import', 'exec', true],
    ['rename', 'exec', true],
    ...(max >= 20 ? [['verify', 'exec', true] as [string, 'exec', boolean]] : []),
    ...(max >= 15 ? [['variants.list', 'text', false] as [string, 'text', boolean]] : []),
    ...(max >= 20 ? [['parameters.list', 'text', true] as [string, 'text', boolean]] : []),
  ];
  const present = new Set<string>();
  for (const [f, kind, required] of files) {
    const st = statIn(root, join(dir, f));
    if (!st) {
      if (required) return invalid(`File '${f}' under path '${dir}' is missing (ENOENT)`);
      continue;
    }
    if (!st.isFile()) return invalid(`File '${f}' under path '${dir}' is not a regular file`);
    if (kind === 'exec' && (st.mode & 0o100) === 0)
      return invalid(`File '${f}' under path '${dir}' is not executable`);
    present.add(f);
  }
  if (!present.has('create') && !present.has('create_untrusted'))
    return invalid(`A create script (trusted or untrusted) under path '${dir}' must exist`);
  const variants = present.has('variants.list')
    ? read('variants.list')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.startsWith('#'))
    : [];
  const params: [string, string][] = [];
  if (present.has('parameters.list')) {
    for (const line of read('parameters.list').replace(/\n$/, '').split('\n')) {
      if (line === '' && params.length === 0 && read('parameters.list') === '') break;
      const m = /^(\S+)\s+(.*)$/.exec(line.trim());
      // Ganeti's consumers crash on a blank or name-only line: the contract wants name and description.
      if (!m) return invalid(`parameters.list line ${JSON.stringify(line)} has no name and description`);
      params.push([m[1]!, m[2]!]);
    }
  }
  return {
    valid: true,
    message: '',
    apiVersions,
    variants,
    params,
    trusted: !present.has('create_untrusted'),
  };
}
