/**
 * Reading one variant file: YAML parsed strictly (duplicate keys are errors), every top-level key
 * kept with the line it is on, so that errors and provenance can name file and line.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, isMap, isNode, isScalar, parseDocument } from 'yaml';
import { OsError } from '../runtime/errors.js';

export interface RawEntry {
  key: string;
  /** The value as plain JS (scalars, arrays, objects). */
  value: unknown;
  /** 1-based line of the key. */
  line: number;
}

export interface RawVariantFile {
  file: string;
  entries: RawEntry[];
}

const HINT = 'fix the variant file; `ganeti-os variants show <variant>` checks it';

/** Parse YAML text; `file` is used in messages only. */
export function parseVariantYaml(file: string, text: string): RawVariantFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, strict: true, uniqueKeys: true, prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0].line ?? lineCounter.linePos(err.pos[0]).line;
    const msg = err.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'syntax error';
    throw new OsError('E_VARIANT_SYNTAX', `${file}:${line}: YAML syntax error: ${msg}`, { hint: HINT });
  }
  const contents = doc.contents;
  if (
    contents === null ||
    (isScalar(contents) && (contents.value === null || contents.value === undefined))
  ) {
    return { file, entries: [] };
  }
  if (!isMap(contents)) {
    const line = isNode(contents) && contents.range ? lineCounter.linePos(contents.range[0]).line : 1;
    throw new OsError(
      'E_VARIANT_SYNTAX',
      `${file}:${line}: a variant file must be a mapping of keys to values`,
      {
        hint: HINT,
      },
    );
  }
  const entries: RawEntry[] = [];
  for (const pair of contents.items) {
    const keyNode = pair.key;
    const line = isNode(keyNode) && keyNode.range ? lineCounter.linePos(keyNode.range[0]).line : 0;
    if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
      throw new OsError('E_VARIANT_SYNTAX', `${file}:${line}: keys must be plain strings`, { hint: HINT });
    }
    const valueNode = pair.value;
    const value: unknown = isNode(valueNode) ? (valueNode.toJS(doc) as unknown) : (valueNode ?? null);
    entries.push({ key: keyNode.value, value, line });
  }
  return { file, entries };
}

/** Read and parse a variant file. */
export async function readVariantYaml(file: string): Promise<RawVariantFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new OsError('E_VARIANT_READ', `${file}: cannot read variant file (${code})`, {
      hint: HINT,
      cause: e,
    });
  }
  return parseVariantYaml(file, text);
}
