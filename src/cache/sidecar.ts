/**
 * The JSON sidecar stored next to every cache tarball: what it was built from, when, how big it is
 * and its sha256. A tarball without a valid sidecar is never used.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import * as v from 'valibot';

const SidecarSchema = v.object({
  format: v.literal(1),
  key: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  file: v.string(),
  inputs: v.record(v.string(), v.unknown()),
  createdAt: v.pipe(v.string(), v.isoTimestamp()),
  size: v.pipe(v.number(), v.integer(), v.minValue(0)),
  sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  buildSeconds: v.optional(v.number()),
});

export type CacheSidecar = v.InferOutput<typeof SidecarSchema>;

/** Read a JSON file against a schema; undefined when missing, unreadable or not matching. */
export async function readJsonFile<S extends v.GenericSchema>(schema: S, path: string): Promise<v.InferOutput<S> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const r = v.safeParse(schema, JSON.parse(text));
    return r.success ? r.output : undefined;
  } catch {
    return undefined;
  }
}

/** Parse a tarball's sidecar; undefined when missing, unreadable or not ours. */
export function readSidecar(path: string): Promise<CacheSidecar | undefined> {
  return readJsonFile(SidecarSchema, path);
}

/** fsync a file or a directory by path. */
export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Write a sidecar (any JSON object) atomically: temp file in the same directory, fsync, rename. */
export async function writeSidecar(path: string, sidecar: object): Promise<void> {
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(JSON.stringify(sidecar, null, 2) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
