/**
 * OS parameter declarations. A provider declares each parameter once; parameters.list, `verify
 * parameters`, the typed values a provider's operations receive, and the README table all derive from
 * the declaration. An empty value behaves exactly like an absent one (Ganeti design-2.2), so the
 * default applies to both.
 */
import { OsError } from '../runtime/errors.js';

export interface ParamDecl<T> {
  readonly kind: string;
  readonly description: string;
  /** Never logged; value masked in every log line. Ganeti's private/secret parameters. */
  readonly private: boolean;
  /** Text for documentation: accepted values. */
  readonly accepts: string;
  readonly defaultText: string | undefined;
  /** Parse a raw (non-empty) value; throws a string message on a bad value. */
  parse(raw: string): T;
  /** Value used when the parameter is absent or empty. */
  fallback(): T;
}

export type ParamDecls = Record<string, ParamDecl<unknown>>;
export type ParamValues<P extends ParamDecls> = { [K in keyof P]: P[K] extends ParamDecl<infer T> ? T : never };

interface Common {
  description: string;
  private?: boolean;
}

function decl<T>(kind: string, o: Common, accepts: string, parse: (raw: string) => T, fallback: () => T, defaultText?: string): ParamDecl<T> {
  return {
    kind,
    description: o.description,
    private: o.private ?? false,
    accepts,
    defaultText,
    parse,
    fallback,
  };
}

const truthy = new Set(['yes', 'true', '1', 'on', 'y']);
const falsy = new Set(['no', 'false', '0', 'off', 'n']);

function parseSizeMiB(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(raw.trim());
  if (!m) throw `must be a size like 512M or 2G (got ${JSON.stringify(raw)})`;
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  const mib = unit === 'k' ? n / 1024 : unit === 'g' ? n * 1024 : unit === 't' ? n * 1024 * 1024 : n;
  return Math.round(mib);
}

export const param = {
  string<O extends Common & { default?: string; pattern?: RegExp; patternText?: string; maxLength?: number }>(
    o: O,
  ): ParamDecl<O extends { default: string } ? string : string | undefined> {
    return decl<string | undefined>(
      'string',
      o,
      o.patternText ?? (o.pattern ? `text matching ${String(o.pattern)}` : 'text'),
      (raw) => {
        if (o.maxLength !== undefined && raw.length > o.maxLength) throw `must be at most ${o.maxLength} characters`;
        if (o.pattern && !o.pattern.test(raw)) throw `must be ${o.patternText ?? `text matching ${String(o.pattern)}`}`;
        return raw;
      },
      () => o.default,
      o.default,
    ) as ParamDecl<O extends { default: string } ? string : string | undefined>;
  },
  enum<const V extends string>(values: readonly V[], o: Common & { default: V }): ParamDecl<V> {
    return decl(
      'enum',
      o,
      values.join('|'),
      (raw) => {
        if (!(values as readonly string[]).includes(raw)) throw `must be one of ${values.join(', ')} (got ${JSON.stringify(raw)})`;
        return raw as V;
      },
      () => o.default,
      o.default,
    );
  },
  boolean(o: Common & { default: boolean }): ParamDecl<boolean> {
    return decl(
      'boolean',
      o,
      'yes|no',
      (raw) => {
        const s = raw.toLowerCase();
        if (truthy.has(s)) return true;
        if (falsy.has(s)) return false;
        throw `must be yes or no (got ${JSON.stringify(raw)})`;
      },
      () => o.default,
      o.default ? 'yes' : 'no',
    );
  },
  integer<O extends Common & { default?: number; min?: number; max?: number }>(o: O): ParamDecl<O extends { default: number } ? number : number | undefined> {
    return decl<number | undefined>(
      'integer',
      o,
      `integer${o.min !== undefined ? ` >= ${o.min}` : ''}${o.max !== undefined ? ` <= ${o.max}` : ''}`,
      (raw) => {
        if (!/^-?\d+$/.test(raw)) throw `must be an integer (got ${JSON.stringify(raw)})`;
        const n = Number(raw);
        if (o.min !== undefined && n < o.min) throw `must be at least ${o.min} (got ${n})`;
        if (o.max !== undefined && n > o.max) throw `must be at most ${o.max} (got ${n})`;
        return n;
      },
      () => o.default,
      o.default === undefined ? undefined : String(o.default),
    ) as ParamDecl<O extends { default: number } ? number : number | undefined>;
  },
  /** A size in MiB; accepts 512, 512M, 2G. */
  size<O extends Common & { default?: number; min?: number }>(o: O): ParamDecl<O extends { default: number } ? number : number | undefined> {
    return decl<number | undefined>(
      'size',
      o,
      'size (512M, 2G)',
      (raw) => {
        const n = parseSizeMiB(raw);
        if (o.min !== undefined && n < o.min) throw `must be at least ${o.min}M (got ${n}M)`;
        return n;
      },
      () => o.default,
      o.default === undefined ? undefined : `${o.default}M`,
    ) as ParamDecl<O extends { default: number } ? number : number | undefined>;
  },
  /** Comma- or space-separated list. */
  list(o: Common & { default?: string[]; itemPattern?: RegExp }): ParamDecl<string[]> {
    return decl(
      'list',
      o,
      'comma-separated list',
      (raw) => {
        const items = raw.split(/[\s,]+/).filter(Boolean);
        for (const item of items) if (o.itemPattern && !o.itemPattern.test(item)) throw `has an invalid item ${JSON.stringify(item)}`;
        return items;
      },
      () => o.default ?? [],
      o.default?.join(','),
    );
  },
};

/** Ganeti parameter names: what parameters.list can carry (first token, no whitespace). */
export const PARAM_NAME = /^[a-z][a-z0-9_-]*$/;

export function ospKey(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

/**
 * Resolve typed values from the raw OSP_* map (keys are the env suffix). Undeclared OSP_* values are
 * returned as warnings: Ganeti checks names against parameters.list for API 20, so one we do not
 * declare means the installed OS directory is stale.
 */
export function resolveParams<P extends ParamDecls>(
  decls: P,
  raw: Record<string, string>,
): { values: ParamValues<P>; problems: OsError[]; warnings: string[] } {
  const values: Record<string, unknown> = {};
  const problems: OsError[] = [];
  const warnings: string[] = [];
  const known = new Set<string>();
  for (const [name, d] of Object.entries(decls)) {
    const key = ospKey(name);
    known.add(key);
    const rawValue = raw[key];
    if (rawValue === undefined || rawValue === '') {
      values[name] = d.fallback();
      continue;
    }
    try {
      values[name] = d.parse(rawValue);
    } catch (e) {
      const msg = typeof e === 'string' ? e : e instanceof Error ? e.message : String(e);
      const shown = d.private ? msg.replaceAll(rawValue, '***') : msg;
      problems.push(new OsError('E_PARAM', `OS parameter ${name} ${shown}`, { hint: `accepted: ${d.accepts}; see parameters.list` }));
    }
  }
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) {
      warnings.push(`OS parameter OSP_${key} is not declared by this provider; ignored (reinstall with ganeti-os install if parameters.list is stale)`);
    }
  }
  return { values: values as ParamValues<P>, problems, warnings };
}
