/**
 * Variant schemas as data. A provider declares its variant keys once (name as written in YAML,
 * type, default, description); validation, defaults, documentation and `variants show` all derive
 * from that declaration. Every schema also carries the meta keys `extend`, `publish`, `default` and
 * `description`, which describe the variant file itself and are not inherited through `extend`.
 */

export type KeyType = 'string' | 'enum' | 'boolean' | 'integer' | 'size' | 'list' | 'path' | 'paths' | 'map';

/** A resolved value: sizes are MiB integers, lists are string arrays, maps are string records. */
export type Value = string | number | boolean | string[] | Record<string, string>;

export interface KeySpec {
  /** kebab-case, exactly as written in the YAML file. */
  readonly name: string;
  readonly type: KeyType;
  readonly default: Value;
  readonly description: string;
  /** Allowed values of an `enum`. */
  readonly values?: readonly string[];
  /** Literal words accepted besides the type (`none` for a size, `never` for an integer). */
  readonly keywords?: readonly string[];
  /** Bounds of an `integer` or `size`. */
  readonly min?: number;
  readonly max?: number;
  /** Allowed shape of a `string` (and of each element of a `list`). */
  readonly pattern?: RegExp;
  /** Meta keys (extend, publish, default, description) describe one file and are not inherited. */
  readonly inherit?: boolean;
}

export interface VariantSchema {
  readonly os: string;
  readonly keys: readonly KeySpec[];
  readonly byName: ReadonlyMap<string, KeySpec>;
}

/** Meta keys common to every provider's schema. */
const META_KEYS: readonly KeySpec[] = [
  {
    name: 'extend',
    type: 'string',
    default: '',
    inherit: false,
    description: 'name of the variant this one is based on; every key not set here comes from it',
  },
  {
    name: 'publish',
    type: 'boolean',
    default: true,
    inherit: false,
    description: 'list the variant in variants.list (false: a base only meant to be extended)',
  },
  {
    name: 'default',
    type: 'boolean',
    default: false,
    inherit: false,
    description: 'make this the default variant (first line of variants.list)',
  },
  {
    name: 'description',
    type: 'string',
    default: '',
    inherit: false,
    description: 'one line shown by `variants list`',
  },
];

const KEY_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Build a schema; the meta keys are added. Throws on a malformed declaration (a programming error). */
export function defineSchema(os: string, keys: readonly KeySpec[]): VariantSchema {
  const all = [...META_KEYS, ...keys];
  const byName = new Map<string, KeySpec>();
  for (const k of all) {
    if (!KEY_NAME.test(k.name)) throw new Error(`schema ${os}: key name "${k.name}" is not kebab-case`);
    if (byName.has(k.name)) throw new Error(`schema ${os}: key "${k.name}" declared twice`);
    if (k.type === 'enum' && !(k.values && k.values.length > 0))
      throw new Error(`schema ${os}: enum "${k.name}" has no values`);
    const checked = coerceValue(k, k.default);
    if (!checked.ok)
      throw new Error(`schema ${os}: default of "${k.name}" is invalid: expected ${checked.expected}`);
    byName.set(k.name, k);
  }
  return { os, keys: all, byName };
}

/** The default value of every key. */
export function defaultsOf(schema: VariantSchema): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const k of schema.keys) out[k.name] = cloneValue(k.default);
  return out;
}

export function cloneValue(v: Value): Value {
  if (Array.isArray(v)) return [...v];
  if (typeof v === 'object') return { ...v };
  return v;
}

export type Coerced = { ok: true; value: Value } | { ok: false; expected: string };

/** Words used in messages: "expected <what>". */
export function expectedOf(spec: KeySpec): string {
  const words = spec.keywords?.length ? ` or ${spec.keywords.map((w) => `"${w}"`).join(' or ')}` : '';
  const bounds =
    spec.min !== undefined && spec.max !== undefined
      ? ` in ${spec.min}..${spec.max}`
      : spec.min !== undefined
        ? ` >= ${spec.min}`
        : spec.max !== undefined
          ? ` <= ${spec.max}`
          : '';
  switch (spec.type) {
    case 'string':
      return `a string${spec.pattern ? ` matching ${spec.pattern.source}` : ''}${words}`;
    case 'enum':
      return `one of ${(spec.values ?? []).join('|')}`;
    case 'boolean':
      return 'true or false';
    case 'integer':
      return `an integer${bounds}${words}`;
    case 'size':
      return `a size in MiB (e.g. 512, 512M, 2G)${bounds}${words}`;
    case 'list':
      return `a list of strings${spec.pattern ? ` matching ${spec.pattern.source}` : ''}`;
    case 'path':
      return `a path${words}`;
    case 'paths':
      return 'a path or a list of paths';
    case 'map':
      return 'a map of strings';
  }
}

const SIZE_RE = /^(\d+)\s*([MGT]?)(?:i?B)?$/i;
const FACTOR: Record<string, number> = { '': 1, M: 1, G: 1024, T: 1024 * 1024 };

/** Parse a size: a number is MiB; strings take an M, G or T suffix (`512M`, `2G`, `1.5G` is refused). */
export function parseSizeMiB(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) && raw >= 0 ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const m = SIZE_RE.exec(raw.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * (FACTOR[(m[2] ?? '').toUpperCase()] ?? 1);
  return Number.isSafeInteger(n) ? n : undefined;
}

function inBounds(spec: KeySpec, n: number): boolean {
  return (spec.min === undefined || n >= spec.min) && (spec.max === undefined || n <= spec.max);
}

/**
 * Check and convert a raw value (from YAML or a legacy shell variable) to the key's type. Relative
 * paths are NOT resolved here (resolution knows the file that set them).
 */
export function coerceValue(spec: KeySpec, raw: unknown): Coerced {
  const bad: Coerced = { ok: false, expected: expectedOf(spec) };
  if (typeof raw === 'string' && spec.keywords?.includes(raw)) return { ok: true, value: raw };
  switch (spec.type) {
    case 'string':
      if (typeof raw !== 'string' || (spec.pattern && raw !== '' && !spec.pattern.test(raw))) return bad;
      return { ok: true, value: raw };
    case 'path':
      if (typeof raw !== 'string' || raw.includes('\0')) return bad;
      return { ok: true, value: raw };
    case 'enum':
      if (typeof raw !== 'string' || !spec.values?.includes(raw)) return bad;
      return { ok: true, value: raw };
    case 'boolean':
      if (typeof raw !== 'boolean') return bad;
      return { ok: true, value: raw };
    case 'integer': {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && /^-?\d+$/.test(raw.trim())
            ? Number(raw)
            : NaN;
      if (!Number.isSafeInteger(n) || !inBounds(spec, n)) return bad;
      return { ok: true, value: n };
    }
    case 'size': {
      const n = parseSizeMiB(raw);
      if (n === undefined || !inBounds(spec, n)) return bad;
      return { ok: true, value: n };
    }
    case 'list':
      if (
        !Array.isArray(raw) ||
        !raw.every((x) => typeof x === 'string' && (!spec.pattern || spec.pattern.test(x)))
      ) {
        return bad;
      }
      return { ok: true, value: [...(raw as string[])] };
    case 'paths': {
      const list = typeof raw === 'string' ? [raw] : raw;
      if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' && x !== '' && !x.includes('\0')))
        return bad;
      return { ok: true, value: [...(list as string[])] };
    }
    case 'map': {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad;
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return bad;
        out[k] = String(v);
      }
      return { ok: true, value: out };
    }
  }
}

/** Short rendering of a value for text output (`variants show`, docs). */
export function showValue(v: Value): string {
  if (Array.isArray(v)) return v.length === 0 ? '[]' : `[${v.join(', ')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v);
    return entries.length === 0 ? '{}' : `{${entries.map(([k, x]) => `${k}: ${x}`).join(', ')}}`;
  }
  if (v === '') return '""';
  return String(v);
}

/** Reference documentation of a schema, as a Markdown table (generated, never hand-written). */
export function schemaDocs(schema: VariantSchema): string {
  const rows = schema.keys.map((k) => {
    const type =
      k.type === 'enum'
        ? (k.values ?? []).join(' \\| ')
        : k.type + (k.keywords?.length ? ` \\| ${k.keywords.join(' \\| ')}` : '');
    return `| \`${k.name}\` | ${type} | \`${showValue(k.default)}\` | ${k.description.replace(/\|/g, '\\|')} |`;
  });
  return [`| key | type | default | description |`, `|---|---|---|---|`, ...rows].join('\n') + '\n';
}
