/**
 * Content-addressed cache keys. A key is the sha256 of a canonical JSON form of every input that
 * changes the bootstrapped tree (suite, arch, mirror, components, packages, bootstrapper and its
 * variant, keyring, ...): object keys sorted, undefined dropped, so the same inputs always give the
 * same key and any difference gives another. File names stay readable: <suite>-<arch>-<hash16>.
 */
import { createHash } from 'node:crypto';
import { OsError } from '../runtime/errors.js';

function canonical(value: unknown, path: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new OsError('E_INTERNAL', `cache input ${path} is not a finite number`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => canonical(v ?? null, `${path}[${i}]`));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = canonical(v, `${path}.${k}`);
    }
    return out;
  }
  throw new OsError('E_INTERNAL', `cache input ${path} has unsupported type ${typeof value}`);
}

/** Canonical JSON: sorted keys, no undefined, no whitespace. */
export function canonicalJson(inputs: Record<string, unknown>): string {
  return JSON.stringify(canonical(inputs, 'inputs'));
}

/** The full sha256 (hex) of the canonical inputs. */
export function cacheKey(inputs: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(inputs)).digest('hex');
}

function slug(v: unknown, fallback: string): string {
  const s =
    typeof v === 'string'
      ? v
          .toLowerCase()
          .replace(/[^a-z0-9.+_-]+/g, '_')
          .replace(/^[._]+/, '')
      : '';
  return s.slice(0, 40) || fallback;
}

/** <suite>-<arch>-<first 16 hex of the key>: readable and still unique enough per cache dir. */
export function entryStem(inputs: Record<string, unknown>, key: string): string {
  if (!/^[0-9a-f]{64}$/.test(key)) throw new OsError('E_INTERNAL', `not a cache key: ${key}`);
  return `${slug(inputs['suite'], 'tree')}-${slug(inputs['arch'], 'any')}-${key.slice(0, 16)}`;
}
