/**
 * Pure rendering of an OS directory: the text files Ganeti reads and the list of scripts. Rules from
 * Ganeti's code (see README "OS API"): ganeti_api_version has one integer per line and no blank
 * lines; parameters.list has `name description` on every line, no blanks, no comments;
 * variants.list has one variant per line.
 */
import { OsError } from '../runtime/errors.js';
import { PARAM_NAME, type ParamDecls } from '../sdk/params.js';
import { SCRIPT_NAMES, type ScriptName } from '../ganeti/types.js';
import { MANIFEST_FILE, type OsManifest } from '../ganeti/manifest.js';

export interface RenderInput {
  name: string;
  apiVersions: readonly number[];
  params: ParamDecls;
  variants: readonly string[];
  manifest: OsManifest;
}

export interface RenderedFile {
  name: string;
  content: string;
  mode: number;
}

export interface RenderedOsDir {
  files: RenderedFile[];
  scripts: readonly ScriptName[];
}

export const OS_NAME = /^[a-zA-Z0-9_-]+$/;
/** Ganeti splits `os+variant` at the first `+`; a variant must be a file name we can trust. */
export const VARIANT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

export function renderParametersList(params: ParamDecls): string {
  const lines: string[] = [];
  for (const [name, d] of Object.entries(params)) {
    if (!PARAM_NAME.test(name)) {
      throw new OsError('E_PARAM_NAME', `parameter name ${JSON.stringify(name)} is not valid for parameters.list`, {
        hint: 'use lower-case letters, digits, - and _, starting with a letter',
      });
    }
    const desc = d.description.replace(/\s+/g, ' ').trim();
    if (!desc) throw new OsError('E_PARAM_DESC', `parameter ${name} has no description`, { hint: 'Ganeti needs `name description` on every line' });
    lines.push(`${name} ${desc}`);
  }
  return lines.map((l) => l + '\n').join('');
}

export function renderVariantsList(variants: readonly string[]): string {
  for (const v of variants) {
    if (!VARIANT_NAME.test(v) || v.includes('..')) {
      throw new OsError('E_VARIANT_NAME', `variant name ${JSON.stringify(v)} is not valid`, {
        hint: 'letters, digits, _ . + - only; no / and no ..',
      });
    }
  }
  return variants.map((v) => v + '\n').join('');
}

export function renderApiVersion(versions: readonly number[]): string {
  const ok = versions.filter((v) => v === 10 || v === 15 || v === 20);
  if (ok.length === 0) {
    throw new OsError('E_API_VERSION', `no supported API version in ${JSON.stringify(versions)}`, { hint: 'Ganeti supports 10, 15 and 20' });
  }
  return [...new Set(versions)].sort((a, b) => b - a).map((v) => `${v}\n`).join('');
}

export function renderOsDir(input: RenderInput): RenderedOsDir {
  if (!OS_NAME.test(input.name)) {
    throw new OsError('E_OS_NAME', `OS name ${JSON.stringify(input.name)} is not valid`, {
      hint: 'Ganeti only finds OS directories named with letters, digits, _ and -',
    });
  }
  const max = Math.max(...input.apiVersions);
  const files: RenderedFile[] = [{ name: 'ganeti_api_version', content: renderApiVersion(input.apiVersions), mode: 0o644 }];
  if (max >= 15) files.push({ name: 'variants.list', content: renderVariantsList(input.variants), mode: 0o644 });
  if (max >= 20) files.push({ name: 'parameters.list', content: renderParametersList(input.params), mode: 0o644 });
  files.push({ name: MANIFEST_FILE, content: JSON.stringify(input.manifest, null, 2) + '\n', mode: 0o644 });
  return { files, scripts: SCRIPT_NAMES };
}
