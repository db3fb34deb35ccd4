/**
 * OS parameter declarations. A provider declares each parameter once; parameters.list, `verify
 * parameters`, the typed values a provider's operations receive, and the README table all derive from
 * the declaration. An empty value behaves exactly like an absent one (Ganeti design-2.2), so the
 * default applies to both. Each declaration carries a plain-data spec (param-spec.ts).
 */
import { OsError } from '../runtime/errors.js';
import { ospKey } from '../ganeti/osp.js';
import { acceptsText, checkParamValues, defaultOf, parseParamValue, type ParamSpec } from './param-spec.js';

export { ParamValueError } from './param-spec.js';

export interface ParamDecl<T> {
  readonly spec: ParamSpec;
  readonly description: string;
  /** Never logged; value masked in every log line. Ganeti's private/secret parameters. */
  readonly private: boolean;
  /** Parse a raw (non-empty) value; throws ParamValueError on a bad value. */
  parse(raw: string): T;
  /** Value used when the parameter is absent or empty. */
  fallback(): T;
}

export type ParamDecls = Record<string, ParamDecl<unknown>>;
export type ParamValues<P extends ParamDecls> = {
  [K in keyof P]: P[K] extends ParamDecl<infer T> ? T : never;
};

interface Common {
  description: string;
  private?: boolean;
}

function decl<T>(spec: ParamSpec, o: Common): ParamDecl<T> {
  return {
    spec,
    description: o.description,
    private: o.private ?? false,
    parse: (raw) => parseParamValue(spec, raw) as T,
    fallback: () => defaultOf(spec) as T,
  };
}

type Opt<O, K extends string, T> = O extends { [k in K]: T } ? T : T | undefined;

export const param = {
  string<O extends Common & { default?: string; pattern?: RegExp; patternText?: string; maxLength?: number }>(
    o: O,
  ): ParamDecl<Opt<O, 'default', string>> {
    return decl(
      {
        kind: 'string',
        ...(o.default !== undefined ? { default: o.default } : {}),
        ...(o.pattern ? { pattern: o.pattern.source, patternFlags: o.pattern.flags } : {}),
        ...(o.patternText !== undefined ? { patternText: o.patternText } : {}),
        ...(o.maxLength !== undefined ? { maxLength: o.maxLength } : {}),
      },
      o,
    );
  },
  enum<const V extends string>(values: readonly V[], o: Common & { default: V }): ParamDecl<V> {
    return decl({ kind: 'enum', values: [...values], default: o.default }, o);
  },
  boolean(o: Common & { default: boolean }): ParamDecl<boolean> {
    return decl({ kind: 'boolean', default: o.default }, o);
  },
  integer<O extends Common & { default?: number; min?: number; max?: number }>(
    o: O,
  ): ParamDecl<Opt<O, 'default', number>> {
    return decl({ kind: 'integer', default: o.default, min: o.min, max: o.max }, o);
  },
  /** A size in MiB; accepts 512, 512M, 2G. */
  size<O extends Common & { default?: number; min?: number }>(o: O): ParamDecl<Opt<O, 'default', number>> {
    return decl({ kind: 'size', default: o.default, min: o.min }, o);
  },
  /** Comma- or space-separated list. */
  list(o: Common & { default?: string[]; itemPattern?: RegExp }): ParamDecl<string[]> {
    return decl(
      {
        kind: 'list',
        ...(o.default ? { default: o.default } : {}),
        ...(o.itemPattern ? { itemPattern: o.itemPattern.source } : {}),
      },
      o,
    );
  },
};

export function accepts(d: ParamDecl<unknown>): string {
  return acceptsText(d.spec);
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
  const list = Object.entries(decls).map(([name, d]) => ({ name, spec: d.spec, private: d.private }));
  const { values, problems } = checkParamValues(list, raw);
  const known = new Set(list.map((p) => ospKey(p.name)));
  const warnings = Object.keys(raw)
    .filter((k) => !known.has(k))
    .map(
      (k) =>
        `OS parameter OSP_${k} is not declared by this provider; ignored (reinstall with ganeti-os install if parameters.list is stale)`,
    );
  const errors = problems.map((message) => {
    const name = /^OS parameter (\S+)/.exec(message)?.[1] ?? '';
    const d = decls[name];
    return new OsError('E_PARAM', message, {
      hint: `accepted: ${d ? accepts(d) : '?'}; see parameters.list`,
    });
  });
  return { values: values as ParamValues<P>, problems: errors, warnings };
}
