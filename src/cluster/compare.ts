/**
 * Comparing the digests of the cluster's nodes against one reference node (the master: what
 * `cluster install` copies is the master's), and naming each difference by node, provider,
 * variant and file. Pure.
 */
import type { FileDigest, HookDigest, NodeDigest, ProviderDigest, VariantDigest } from './types.js';

export interface Difference {
  /** The node that differs from the reference. */
  node: string;
  provider?: string;
  variant?: string;
  /** The configuration file or hook that differs. */
  file?: string;
  /** The resolved key whose value differs. */
  key?: string;
  /** What differs, in one line. */
  message: string;
}

/** One node's answer: its digest, or why there is none. */
export interface NodeReport {
  node: string;
  digest?: NodeDigest;
  error?: string;
}

export interface CheckResult {
  reference: string;
  nodes: { node: string; version?: string; providers?: number; error?: string }[];
  differences: Difference[];
  ok: boolean;
}

const short = (h: string | null): string => (h === null ? 'missing' : h.slice(0, 12));
const mode = (m: number | null): string => (m === null ? 'missing' : `0${m.toString(8)}`);
const list = (a: readonly unknown[]): string => `[${a.join(', ')}]`;

function byKey<T>(items: readonly T[], key: (t: T) => string): Map<string, T> {
  return new Map(items.map((t) => [key(t), t]));
}

/** Keys of both maps: the reference's order first, then those only the other has. */
function union<T>(a: Map<string, T>, b: Map<string, T>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])];
}

function compareFiles(
  what: 'file' | 'hook',
  ref: readonly FileDigest[],
  other: readonly FileDigest[],
  refNode: string,
  d: (file: string, message: string) => void,
): void {
  const key = (f: FileDigest): string => (what === 'hook' ? `${(f as HookDigest).phase} ${f.path}` : f.path);
  const a = byKey(ref, key);
  const b = byKey(other, key);
  for (const k of union(a, b)) {
    const x = a.get(k);
    const y = b.get(k);
    const path = (x ?? y)!.path;
    const name = what === 'hook' ? `hook ${k}` : `file ${path}`;
    if (!x) d(path, `${name} is read here, not on ${refNode}`);
    else if (!y) d(path, `${name} is read on ${refNode}, not here`);
    else if (x.sha256 !== y.sha256)
      d(path, `${name} differs (sha256 ${short(y.sha256)}, on ${refNode} ${short(x.sha256)})`);
    else if (x.mode !== y.mode) d(path, `${name} has mode ${mode(y.mode)} (on ${refNode} ${mode(x.mode)})`);
  }
  // Same files in another order resolve differently (extend chains, hook order).
  const order = (fs: readonly FileDigest[]): string => fs.map(key).join('\n');
  if (a.size === b.size && union(a, b).length === a.size && order(ref) !== order(other))
    d('', `${what}s run in another order than on ${refNode}`);
}

function compareVariant(
  ref: VariantDigest,
  other: VariantDigest,
  refNode: string,
  d: (extra: Partial<Difference>, message: string) => void,
): void {
  if (ref.digest === other.digest && ref.published === other.published && ref.isDefault === other.isDefault)
    return;
  if (ref.published !== other.published)
    d(
      {},
      `${other.published ? 'published' : 'not published'} here (on ${refNode}: ${ref.published ? 'published' : 'not published'})`,
    );
  if (ref.isDefault !== other.isDefault)
    d(
      {},
      `${other.isDefault ? 'the default' : 'not the default'} here (on ${refNode}: ${ref.isDefault ? 'the default' : 'not the default'})`,
    );
  if ((ref.error ?? '') !== (other.error ?? ''))
    d(
      {},
      other.error
        ? `does not resolve here: ${other.error}`
        : `resolves here, not on ${refNode}: ${ref.error}`,
    );
  compareFiles('file', ref.files, other.files, refNode, (file, m) => d(file ? { file } : {}, m));
  compareFiles('hook', ref.hooks, other.hooks, refNode, (file, m) => d(file ? { file } : {}, m));
  for (const k of union(new Map(Object.entries(ref.keys)), new Map(Object.entries(other.keys)))) {
    if (ref.keys[k] !== other.keys[k]) d({ key: k }, `resolved value of ${k} differs from ${refNode}'s`);
  }
}

function compareProvider(
  ref: ProviderDigest,
  other: ProviderDigest,
  refNode: string,
  d: (extra: Partial<Difference>, message: string) => void,
): void {
  if (ref.dir !== other.dir) d({}, `installed in ${other.dir} (on ${refNode}: ${ref.dir})`);
  if (ref.version !== other.version)
    d({}, `installed by ganeti-os ${other.version} (on ${refNode}: ${ref.version})`);
  if (list(ref.apiVersions) !== list(other.apiVersions))
    d({}, `API versions ${list(other.apiVersions)} (on ${refNode}: ${list(ref.apiVersions)})`);
  if (list(ref.variantsList) !== list(other.variantsList))
    d(
      { file: `${other.dir}/variants.list` },
      `variants.list is ${list(other.variantsList)} (on ${refNode}: ${list(ref.variantsList)})`,
    );
  if ((ref.error ?? '') !== (other.error ?? ''))
    d({}, other.error ? `fails here: ${other.error}` : `works here, fails on ${refNode}: ${ref.error}`);
  const a = byKey(ref.variants, (v) => v.name);
  const b = byKey(other.variants, (v) => v.name);
  for (const name of union(a, b)) {
    const x = a.get(name);
    const y = b.get(name);
    const vd = (extra: Partial<Difference>, m: string): void => d({ variant: name, ...extra }, m);
    if (!x) vd({ file: y!.files[0]?.path }, `variant exists here, not on ${refNode}`);
    else if (!y) vd({ file: x.files[0]?.path }, `variant exists on ${refNode}, not here`);
    else compareVariant(x, y, refNode, vd);
  }
}

/** The differences of `other` from `ref`, each naming `node`. */
export function compareDigests(
  ref: NodeDigest,
  other: NodeDigest,
  node: string,
  refNode: string,
): Difference[] {
  const out: Difference[] = [];
  const d = (extra: Partial<Difference>, message: string): void => {
    out.push({
      node,
      ...Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)),
      message,
    });
  };
  if (ref.version !== other.version) d({}, `runs ganeti-os ${other.version} (${refNode}: ${ref.version})`);
  if (list(ref.searchPath) !== list(other.searchPath))
    d({}, `OS search path ${list(other.searchPath)} (on ${refNode}: ${list(ref.searchPath)})`);
  const a = byKey(ref.providers, (p) => p.name);
  const b = byKey(other.providers, (p) => p.name);
  for (const name of union(a, b)) {
    const x = a.get(name);
    const y = b.get(name);
    const pd = (extra: Partial<Difference>, m: string): void => d({ provider: name, ...extra }, m);
    if (!x) pd({}, `installed here (${y!.dir}), not on ${refNode}`);
    else if (!y) pd({}, `not installed here (on ${refNode}: ${x.dir})`);
    else compareProvider(x, y, refNode, pd);
  }
  return out;
}

/** Every node against the reference node; a node without a digest is a difference too. */
export function compareCluster(reports: readonly NodeReport[], reference: string): CheckResult {
  const ref = reports.find((r) => r.node === reference);
  const differences: Difference[] = [];
  const nodes = reports.map((r) => ({
    node: r.node,
    ...(r.digest ? { version: r.digest.version, providers: r.digest.providers.length } : {}),
    ...(r.error ? { error: r.error } : {}),
  }));
  for (const r of reports) {
    if (!r.digest) {
      differences.push({ node: r.node, message: `no digest: ${r.error ?? 'no output'}` });
      continue;
    }
    if (r.node === reference || !ref?.digest) continue;
    differences.push(...compareDigests(ref.digest, r.digest, r.node, reference));
  }
  if (!ref) differences.push({ node: reference, message: 'the reference node did not answer' });
  return { reference, nodes, differences, ok: differences.length === 0 };
}

/** One line per difference: `node: provider+variant: message`. */
export function formatDifference(x: Difference): string {
  const where = x.provider ? `${x.provider}${x.variant ? `+${x.variant}` : ''}: ` : '';
  return `${x.node}: ${where}${x.message}`;
}

export function formatCheck(r: CheckResult): string {
  const lines = r.nodes.map(
    (n) =>
      `${n.node}${n.node === r.reference ? ' (reference)' : ''}: ` +
      (n.error ? `error: ${n.error}` : `ganeti-os ${n.version}, ${n.providers} provider(s)`),
  );
  if (r.ok) lines.push(`all ${r.nodes.length} node(s) agree`);
  else
    lines.push(
      `${r.differences.length} difference(s):`,
      ...r.differences.map((x) => `  ${formatDifference(x)}`),
    );
  return lines.join('\n') + '\n';
}
