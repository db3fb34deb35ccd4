/**
 * Reading this node's state for its digest: the ganeti-os OS directories in Ganeti's search path
 * (the first directory holding a name wins, as in Ganeti), each provider's variants resolved as a
 * create would resolve them (the configuration directory the installed scripts read, legacy shell
 * files included), and the files that resolution and the hooks read. The digest itself is pure
 * (digest.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { listVariantHooks } from '../cli/hook-listing.js';
import { listVariants } from '../config/list.js';
import { resolveVariant } from '../config/resolve.js';
import type { Registry } from '../dispatch/registry.js';
import { hasManifest, readManifest, type OsManifest } from '../ganeti/manifest.js';
import { ganetiSearchPath } from '../install/search-path.js';
import type { Runner } from '../process/types.js';
import { isOsError, OsErrors } from '../runtime/errors.js';
import type { AnyProvider } from '../sdk/types.js';
import { listLines, variantDigest, type FileRead, type VariantRead } from './digest.js';
import { DIGEST_FORMAT, type NodeDigest, type ProviderDigest, type VariantDigest } from './types.js';

export interface DigestOptions {
  providers: Pick<Registry, 'load'>;
  /** Sources legacy shell configuration (bash), as a create does. */
  runner: Runner;
  version: string;
  /** Default: Ganeti's own search path on this node. */
  searchPath?: string[];
  /** Default: this host's name. */
  node?: string;
}

/** A file's content and permission bits, following symlinks (as the create reads it); null when absent. */
export function readForDigest(path: string): FileRead {
  try {
    const st = statSync(path);
    if (!st.isFile()) return { path, content: null, mode: st.mode & 0o7777 };
    return { path, content: readFileSync(path), mode: st.mode & 0o7777 };
  } catch {
    return { path, content: null, mode: null };
  }
}

function textOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function oneLine(e: unknown): string {
  if (e instanceof OsErrors) return e.lines().join('; ');
  if (isOsError(e)) return e.oneLine();
  return e instanceof Error ? e.message : String(e);
}

/** OS name -> its directory: the ganeti-os directories of the search path, first one wins. */
export function installedOsDirs(searchPath: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const dir of searchPath) {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      if (found.has(name)) continue;
      const osDir = join(dir, name);
      // Ganeti takes the first directory holding the name, ours or not.
      found.set(name, hasManifest(osDir) ? osDir : '');
    }
  }
  for (const [name, dir] of found) if (dir === '') found.delete(name);
  return found;
}

async function variantRead(
  provider: AnyProvider,
  name: string,
  m: OsManifest,
  summary: { name: string; published: boolean; isDefault: boolean },
  o: DigestOptions,
): Promise<VariantRead> {
  const vc = provider.variantConfig!;
  const location = {
    configDir: m.configDir,
    shippedDir: join(m.shareDir, 'variants', name),
    ...(vc.configExtension ? { configExtension: vc.configExtension } : {}),
  };
  const base = { ...summary, values: {}, files: [], hooks: [] };
  let resolved;
  try {
    resolved = await resolveVariant(name, summary.name, vc.schema, {
      ...location,
      ...(vc.legacy ? { legacy: { runner: o.runner, mapping: vc.legacy } } : {}),
    });
  } catch (e) {
    return { ...base, error: oneLine(e) };
  }
  const files = resolved.files.map(readForDigest);
  if (!Array.isArray(resolved.values['hooks'])) return { ...base, values: resolved.values, files };
  const listing = await listVariantHooks(resolved, m.configDir);
  const hooks = listing.phases.flatMap((p) =>
    p.hooks.map((h) => ({ phase: p.phase, ...readForDigest(h.path) })),
  );
  const problems = listing.problems.map((p) => p.oneLine());
  return {
    ...base,
    values: resolved.values,
    files,
    hooks,
    ...(problems.length > 0 ? { error: problems.join('; ') } : {}),
  };
}

async function providerDigest(name: string, dir: string, o: DigestOptions): Promise<ProviderDigest> {
  const apiVersions = listLines(textOrNull(join(dir, 'ganeti_api_version'))).map(Number);
  const variantsList = listLines(textOrNull(join(dir, 'variants.list')));
  const head = { name, dir, version: 'unknown', apiVersions, variantsList, variants: [] as VariantDigest[] };
  try {
    const m = readManifest(dir);
    head.version = m.version;
    const provider = m.module ? await o.providers.load(name, m.module) : await o.providers.load(m.provider);
    const vc = provider.variantConfig;
    if (!vc) return head;
    const summaries = await listVariants(name, {
      configDir: m.configDir,
      shippedDir: join(m.shareDir, 'variants', name),
      ...(vc.configExtension ? { configExtension: vc.configExtension } : {}),
      ...(vc.legacy ? { legacy: true } : {}),
    });
    for (const s of summaries) {
      const read = s.error
        ? { ...s, values: {}, files: [readForDigest(s.file)], hooks: [], error: s.error }
        : await variantRead(provider, name, m, s, o);
      head.variants.push(variantDigest(read));
    }
    return head;
  } catch (e) {
    return { ...head, error: oneLine(e) };
  }
}

/** This node's digest (`ganeti-os cluster digest`). */
export async function nodeDigest(o: DigestOptions): Promise<NodeDigest> {
  const searchPath = o.searchPath ?? ganetiSearchPath();
  const providers: ProviderDigest[] = [];
  for (const [name, dir] of [...installedOsDirs(searchPath)].sort(([a], [b]) => (a < b ? -1 : 1)))
    providers.push(await providerDigest(name, dir, o));
  return { format: DIGEST_FORMAT, node: o.node ?? hostname(), version: o.version, searchPath, providers };
}
