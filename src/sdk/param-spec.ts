/**
 * Parameter specs as plain data. The same spec validates a value in the full runtime and in the
 * fast `verify` path, which reads it from the installed OS directory's manifest instead of loading
 * the provider: Ganeti runs `verify parameters` on every node for every parameter check.
 * It imports only the OSP_ key rule on purpose: the script entry bundles it.
 */
import { ospKey } from '../ganeti/osp.js';

export type ParamSpec =
  | {
      kind: 'string';
      default?: string;
      pattern?: string;
      patternFlags?: string;
      patternText?: string;
      maxLength?: number;
    }
  | { kind: 'enum'; values: string[]; default: string }
  | { kind: 'boolean'; default: boolean }
  | { kind: 'integer'; default?: number; min?: number; max?: number }
  | { kind: 'size'; default?: number; min?: number }
  | { kind: 'list'; default?: string[]; itemPattern?: string };

/** A bad parameter value; the message completes "OS parameter <name> ...". */
export class ParamValueError extends Error {}

const truthy = new Set(['yes', 'true', '1', 'on', 'y']);
const falsy = new Set(['no', 'false', '0', 'off', 'n']);

export function parseSizeMiB(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(raw.trim());
  if (!m) throw new ParamValueError(`must be a size like 512M or 2G (got ${JSON.stringify(raw)})`);
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  const mib = unit === 'k' ? n / 1024 : unit === 'g' ? n * 1024 : unit === 't' ? n * 1024 * 1024 : n;
  return Math.round(mib);
}

function patternText(spec: { pattern?: string; patternFlags?: string; patternText?: string }): string {
  return (
    spec.patternText ?? (spec.pattern ? `text matching /${spec.pattern}/${spec.patternFlags ?? ''}` : 'text')
  );
}

/** What a spec accepts, for messages and documentation. */
export function acceptsText(spec: ParamSpec): string {
  switch (spec.kind) {
    case 'string':
      return patternText(spec);
    case 'enum':
      return spec.values.join('|');
    case 'boolean':
      return 'yes|no';
    case 'integer':
      return `integer${spec.min !== undefined ? ` >= ${spec.min}` : ''}${spec.max !== undefined ? ` <= ${spec.max}` : ''}`;
    case 'size':
      return 'size (512M, 2G)';
    case 'list':
      return 'comma-separated list';
  }
}

export function defaultOf(spec: ParamSpec): unknown {
  return spec.kind === 'list' ? (spec.default ?? []) : spec.default;
}

/** Parse a raw, non-empty value. Throws ParamValueError. */
export function parseParamValue(spec: ParamSpec, raw: string): unknown {
  switch (spec.kind) {
    case 'string':
      if (spec.maxLength !== undefined && raw.length > spec.maxLength)
        throw new ParamValueError(`must be at most ${spec.maxLength} characters`);
      if (spec.pattern !== undefined && !new RegExp(spec.pattern, spec.patternFlags).test(raw)) {
        throw new ParamValueError(`must be ${patternText(spec)}`);
      }
      return raw;
    case 'enum':
      if (!spec.values.includes(raw))
        throw new ParamValueError(`must be one of ${spec.values.join(', ')} (got ${JSON.stringify(raw)})`);
      return raw;
    case 'boolean': {
      const s = raw.toLowerCase();
      if (truthy.has(s)) return true;
      if (falsy.has(s)) return false;
      throw new ParamValueError(`must be yes or no (got ${JSON.stringify(raw)})`);
    }
    case 'integer': {
      if (!/^-?\d+$/.test(raw)) throw new ParamValueError(`must be an integer (got ${JSON.stringify(raw)})`);
      const n = Number(raw);
      if (spec.min !== undefined && n < spec.min)
        throw new ParamValueError(`must be at least ${spec.min} (got ${n})`);
      if (spec.max !== undefined && n > spec.max)
        throw new ParamValueError(`must be at most ${spec.max} (got ${n})`);
      return n;
    }
    case 'size': {
      const n = parseSizeMiB(raw);
      if (spec.min !== undefined && n < spec.min)
        throw new ParamValueError(`must be at least ${spec.min}M (got ${n}M)`);
      return n;
    }
    case 'list': {
      const items = raw.split(/[\s,]+/).filter(Boolean);
      const re = spec.itemPattern === undefined ? undefined : new RegExp(spec.itemPattern);
      for (const item of items)
        if (re && !re.test(item)) throw new ParamValueError(`has an invalid item ${JSON.stringify(item)}`);
      return items;
    }
  }
}

export interface ParamCheck {
  name: string;
  spec: ParamSpec;
  private: boolean;
}

/** Check raw OSP_* values (keyed by env suffix) against specs; one message per bad value. */
export function checkParamValues(
  params: readonly ParamCheck[],
  raw: Record<string, string>,
): { values: Record<string, unknown>; problems: string[] } {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const p of params) {
    const value = raw[ospKey(p.name)];
    if (value === undefined || value === '') {
      values[p.name] = defaultOf(p.spec);
      continue;
    }
    try {
      values[p.name] = parseParamValue(p.spec, value);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      problems.push(`OS parameter ${p.name} ${p.private ? msg.split(value).join('***') : msg}`);
    }
  }
  return { values, problems };
}
