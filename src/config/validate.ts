/**
 * Checking one variant file against a schema: unknown keys and bad values are errors that name
 * file, line and key. List keys accept either a plain list (replaces the inherited list) or an
 * edit of the inherited list:
 *
 *   extra-pkgs: {remove: [linux-image-amd64], prepend: [a], append: [b, c]}
 *
 * applied in that order: remove, then prepend, then append.
 */
import path from 'node:path';
import { OsError } from '../runtime/errors.js';
import { checkVariantName } from '../ganeti/names.js';
import { coerceValue, expectedOf, type KeySpec, type Value, type VariantSchema } from './schema.js';
import type { RawVariantFile } from './yaml-file.js';

export interface ListOps {
  remove?: string[];
  prepend?: string[];
  append?: string[];
}

export type CheckedEntry =
  | { key: string; line: number; kind: 'set'; value: Value }
  | { key: string; line: number; kind: 'ops'; ops: ListOps };

export interface CheckedFile {
  file: string;
  entries: CheckedEntry[];
  /** The `extend` value, if any, with its line. */
  extend?: { name: string; line: number };
}

const OPS = ['remove', 'prepend', 'append'] as const;
const HINT = 'fix the variant file; `ganeti-os variants show <variant>` checks it';

function got(raw: unknown): string {
  const s = raw === undefined ? 'nothing' : (JSON.stringify(raw) ?? typeof raw);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
        d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest known key, for "did you mean". */
function suggestKey(schema: VariantSchema, key: string): string | undefined {
  const norm = key.toLowerCase().replace(/_/g, '-');
  if (schema.byName.has(norm)) return norm;
  let best: string | undefined;
  let bestD = 3;
  for (const k of schema.byName.keys()) {
    const dd = distance(norm, k);
    if (dd < bestD) {
      bestD = dd;
      best = k;
    }
  }
  return best;
}

function isOpsObject(raw: unknown): raw is Record<string, unknown> {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw);
}

function checkOps(
  file: string,
  line: number,
  spec: KeySpec,
  raw: Record<string, unknown>,
): ListOps | OsError {
  const ops: ListOps = {};
  const keys = Object.keys(raw);
  const unknown = keys.filter((k) => !(OPS as readonly string[]).includes(k));
  if (keys.length === 0 || unknown.length > 0) {
    return new OsError(
      'E_VARIANT_VALUE',
      `${file}:${line}: key "${spec.name}": expected ${expectedOf(spec)} or a map of remove/prepend/append lists, got ${got(raw)}`,
      { hint: HINT },
    );
  }
  for (const op of OPS) {
    if (!(op in raw)) continue;
    const checked = coerceValue({ ...spec, type: spec.type === 'paths' ? 'paths' : 'list' }, raw[op]);
    if (!checked.ok || !Array.isArray(checked.value)) {
      const listSpec: KeySpec = { ...spec, type: spec.type === 'paths' ? 'paths' : 'list' };
      return new OsError(
        'E_VARIANT_VALUE',
        `${file}:${line}: key "${spec.name}" ${op}: expected ${expectedOf(listSpec)}, got ${got(raw[op])}`,
        {
          hint: HINT,
        },
      );
    }
    ops[op] = checked.value;
  }
  return ops;
}

/** Resolve relative paths against the directory of the file that set them. */
function resolvePaths(spec: KeySpec, value: Value, file: string): Value {
  const base = path.dirname(file);
  if (spec.type === 'path' && typeof value === 'string' && value !== '' && !spec.keywords?.includes(value)) {
    return path.resolve(base, value);
  }
  if (spec.type === 'paths' && Array.isArray(value)) return value.map((p) => path.resolve(base, p));
  return value;
}

/** Validate every entry of a parsed file; all problems are returned together. */
export function checkVariantFile(
  schema: VariantSchema,
  raw: RawVariantFile,
): { checked: CheckedFile; problems: OsError[] } {
  const problems: OsError[] = [];
  const checked: CheckedFile = { file: raw.file, entries: [] };
  for (const e of raw.entries) {
    const spec = schema.byName.get(e.key);
    if (!spec) {
      const hint = suggestKey(schema, e.key);
      problems.push(
        new OsError(
          'E_VARIANT_KEY',
          `${raw.file}:${e.line}: unknown key "${e.key}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
          {
            hint: `known keys: ${[...schema.byName.keys()].join(', ')}`,
          },
        ),
      );
      continue;
    }
    if ((spec.type === 'list' || spec.type === 'paths') && isOpsObject(e.value)) {
      const ops = checkOps(raw.file, e.line, spec, e.value);
      if (ops instanceof OsError) problems.push(ops);
      else {
        if (spec.type === 'paths') {
          for (const op of OPS) if (ops[op]) ops[op] = resolvePaths(spec, ops[op], raw.file) as string[];
        }
        checked.entries.push({ key: e.key, line: e.line, kind: 'ops', ops });
      }
      continue;
    }
    const c = coerceValue(spec, e.value);
    if (!c.ok) {
      problems.push(
        new OsError(
          'E_VARIANT_VALUE',
          `${raw.file}:${e.line}: key "${e.key}": expected ${c.expected}, got ${got(e.value)}`,
          { hint: HINT },
        ),
      );
      continue;
    }
    if (e.key === 'extend' && typeof c.value === 'string' && c.value !== '') {
      try {
        checkVariantName(c.value, `${raw.file}:${e.line}: extend`);
        checked.extend = { name: c.value, line: e.line };
      } catch (err) {
        problems.push(err as OsError);
        continue;
      }
    }
    checked.entries.push({
      key: e.key,
      line: e.line,
      kind: 'set',
      value: resolvePaths(spec, c.value, raw.file),
    });
  }
  return { checked, problems };
}

/** Apply list edits to an inherited list. */
export function applyListOps(base: readonly string[], ops: ListOps): string[] {
  const removed = new Set(ops.remove ?? []);
  const kept = base.filter((x) => !removed.has(x));
  return [...(ops.prepend ?? []), ...kept, ...(ops.append ?? [])];
}
