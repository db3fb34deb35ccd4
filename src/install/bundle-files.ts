/**
 * Which bundle files an install removes from the library directory. Chunk names change with every
 * build, so without pruning each upgrade would leave the old ones behind. An operation still
 * running from the previous install may yet import its chunks, so they are kept for one more
 * install: `<libDir>/bundle-files.json` records the current install's files and the previous one's
 * leftovers, and an install of another build removes only the leftovers of the install before
 * (planned here, pure; `installBundle` applies it).
 */

/** The record kept in the library directory. */
export interface BundleRecord {
  /** The files the last install wrote. */
  current: string[];
  /** Files of the install before it that it no longer had: removed by the next install. */
  previous: string[];
}

export const BUNDLE_RECORD = 'bundle-files.json';

/** A file of the bundle (top level of the library directory). */
export function isBundleFile(name: string): boolean {
  return /\.(?:mjs|cjs|map)$/.test(name);
}

/**
 * `present`: the bundle files in the library directory now; `next`: those this install writes;
 * `record`: what the last install recorded (undefined before the first recorded install: whatever
 * is there and no longer shipped is kept once, like a previous install's leftovers).
 */
export function planBundlePrune(
  record: BundleRecord | undefined,
  present: readonly string[],
  next: readonly string[],
): { remove: string[]; record: BundleRecord } {
  // The same build installed again (an upgrade script, `cluster install`): nothing rotates.
  if (record && record.current.length === next.length && next.every((f) => record.current.includes(f)))
    return { remove: [], record };
  const keep = new Set(next);
  const here = new Set(present.filter(isBundleFile));
  const last = record ? record.current : [...here];
  const remove = (record?.previous ?? []).filter(
    (f) => here.has(f) && !keep.has(f) && !record!.current.includes(f),
  );
  const previous = [...new Set(last)].filter((f) => !keep.has(f) && here.has(f)).sort();
  return { remove: remove.sort(), record: { current: [...next].sort(), previous } };
}

/** The record read back; anything malformed counts as no record. */
export function parseBundleRecord(text: string | undefined): BundleRecord | undefined {
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as Partial<BundleRecord>;
    const names = (a: unknown): a is string[] =>
      Array.isArray(a) && a.every((x) => typeof x === 'string' && isBundleFile(x) && !x.includes('/'));
    return names(v.current) && names(v.previous) ? { current: v.current, previous: v.previous } : undefined;
  } catch {
    return undefined;
  }
}
