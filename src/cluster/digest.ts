/**
 * The digest of a node's configuration from what the readers (read.ts) found: pure. A variant's
 * digest covers its resolved values, every configuration file its resolution read and every hook
 * a create would run (path, content and permission bits), so that two nodes with equal digests
 * make the same guest from the same variant.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../cache/key.js';
import type { FileDigest, HookDigest, VariantDigest } from './types.js';

/** A file as read: content null when it is missing or unreadable. */
export interface FileRead {
  path: string;
  content: Buffer | null;
  mode: number | null;
}

export interface VariantRead {
  name: string;
  published: boolean;
  isDefault: boolean;
  values: Record<string, unknown>;
  files: FileRead[];
  hooks: (FileRead & { phase: string })[];
  error?: string;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 of a value's canonical JSON (sorted keys): equal values, equal digests. */
export function valueDigest(value: unknown): string {
  return sha256Hex(canonicalJson({ value }));
}

export function fileDigest(f: FileRead): FileDigest {
  return {
    path: f.path,
    sha256: f.content === null ? null : sha256Hex(f.content),
    mode: f.mode === null ? null : f.mode & 0o7777,
  };
}

export function variantDigest(v: VariantRead): VariantDigest {
  const keys = Object.fromEntries(Object.keys(v.values).map((k) => [k, valueDigest(v.values[k])]));
  const files = v.files.map(fileDigest);
  const hooks: HookDigest[] = v.hooks.map((h) => ({ phase: h.phase, ...fileDigest(h) }));
  const values = valueDigest(v.values);
  const error = v.error;
  const digest = valueDigest({ values, files, hooks, error: error ?? null });
  return {
    name: v.name,
    published: v.published,
    isDefault: v.isDefault,
    digest,
    values,
    keys,
    files,
    hooks,
    ...(error !== undefined ? { error } : {}),
  };
}

/** ganeti_api_version or variants.list as Ganeti reads them: one entry per line, blanks and comments dropped. */
export function listLines(text: string | null): string[] {
  if (text === null) return [];
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}
