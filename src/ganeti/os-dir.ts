/**
 * The files of an OS directory, written and read here only. Rules from Ganeti's code (see README
 * "OS API"): ganeti_api_version has one integer per line and no blank lines; parameters.list has
 * `name description` on every line, no blanks, no comments; variants.list has one variant per line,
 * the default first (Ganeti 3.0 refuses an OS name without a variant; the first line is what
 * `gnt-os` shows as the default). Next to them
 * ganeti-os keeps its manifest (manifest.ts); the five scripts are symlinks to the shared entry.
 */
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../fs/atomic.js';
import { OsError } from '../runtime/errors.js';
import { MANIFEST_FILE, renderManifest, type OsManifest } from './manifest.js';
import { checkOsName, checkVariantName, PARAM_NAME } from './names.js';
import { SCRIPT_NAMES, type ScriptName } from './types.js';

const API_VERSION_FILE = 'ganeti_api_version';
export const VARIANTS_FILE = 'variants.list';
const PARAMETERS_FILE = 'parameters.list';

/** Every name ganeti-os writes into an OS directory: the script symlinks and the files. */
export const OS_DIR_ENTRIES: readonly string[] = [
  ...SCRIPT_NAMES,
  API_VERSION_FILE,
  VARIANTS_FILE,
  PARAMETERS_FILE,
  MANIFEST_FILE,
];

export interface ParameterLine {
  name: string;
  description: string;
}

export interface OsDirFile {
  name: string;
  content: string;
  mode: number;
}

export interface OsDirInput {
  name: string;
  /** Checked, not trusted: a custom provider's module is plain JavaScript. */
  apiVersions: readonly number[];
  params: readonly ParameterLine[];
  /** Published variants, default first. */
  variants: readonly string[];
  manifest: OsManifest;
}

export interface RenderedOsDir {
  files: OsDirFile[];
  scripts: readonly ScriptName[];
}

/** Supported versions only, newest first (the man page asks for that order; Ganeti ignores it). */
export function renderApiVersion(versions: readonly number[]): string {
  const ok = [...new Set(versions.filter((v) => v === 10 || v === 15 || v === 20))];
  if (ok.length === 0) {
    throw new OsError('E_API_VERSION', `no supported API version in ${JSON.stringify(versions)}`, {
      hint: 'Ganeti supports 10, 15 and 20',
    });
  }
  return ok
    .sort((a, b) => b - a)
    .map((v) => `${v}\n`)
    .join('');
}

export function renderParametersList(params: readonly ParameterLine[]): string {
  const lines: string[] = [];
  for (const { name, description } of params) {
    if (!PARAM_NAME.test(name)) {
      throw new OsError(
        'E_PARAM_NAME',
        `parameter name ${JSON.stringify(name)} is not valid for parameters.list`,
        {
          hint: 'use lower-case letters, digits, - and _, starting with a letter',
        },
      );
    }
    const desc = description.replace(/\s+/g, ' ').trim();
    if (!desc) {
      throw new OsError('E_PARAM_DESC', `parameter ${name} has no description`, {
        hint: 'Ganeti needs `name description` on every line',
      });
    }
    lines.push(`${name} ${desc}\n`);
  }
  return lines.join('');
}

/** Published variants, default first; empty when there are none. */
export function renderVariantsList(names: readonly string[]): string {
  for (const n of names) checkVariantName(n, VARIANTS_FILE);
  return names.map((n) => `${n}\n`).join('');
}

/** The files of one OS directory; only those the declared API versions need. */
export function renderOsDir(input: OsDirInput): RenderedOsDir {
  checkOsName(input.name);
  const files: OsDirFile[] = [
    { name: API_VERSION_FILE, content: renderApiVersion(input.apiVersions), mode: 0o644 },
  ];
  const max = Math.max(...input.apiVersions);
  if (max >= 15)
    files.push({ name: VARIANTS_FILE, content: renderVariantsList(input.variants), mode: 0o644 });
  if (max >= 20)
    files.push({ name: PARAMETERS_FILE, content: renderParametersList(input.params), mode: 0o644 });
  files.push({ name: MANIFEST_FILE, content: renderManifest(input.manifest), mode: 0o644 });
  return { files, scripts: SCRIPT_NAMES };
}

function holds(path: string, data: Buffer, mode: number): boolean {
  try {
    const st = lstatSync(path);
    return st.isFile() && (st.mode & 0o7777) === mode && readFileSync(path).equals(data);
  } catch {
    return false;
  }
}

/**
 * Write one file of an OS directory unless it already holds exactly this content and mode. Atomic
 * (a synced temporary file renamed over it): Ganeti may read the directory at any moment, on any
 * node. Returns true when the file was written.
 */
export function writeOsDirFile(osDir: string, file: OsDirFile): boolean {
  const path = join(osDir, file.name);
  const data = Buffer.from(file.content);
  if (holds(path, data, file.mode)) return false;
  try {
    writeFileAtomicSync(path, data, { mode: file.mode });
  } catch (e) {
    throw new OsError(
      'E_OS_DIR_WRITE',
      `cannot write ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      {
        cause: e,
        hint: 'check that the OS directory exists and is writable',
      },
    );
  }
  return true;
}

/** The variants an installed OS directory publishes, default first; [] when it has no variants.list. */
export function readVariantsList(osDir: string): string[] {
  let text: string;
  try {
    text = readFileSync(join(osDir, VARIANTS_FILE), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}
