/**
 * The JSON sidecar stored next to every cache tarball: what it was built from, when, how big it is
 * and its sha256. A tarball without a valid sidecar is never used.
 */
import * as v from 'valibot';
import { writeFileAtomic } from '../fs/atomic.js';
import { readJsonFile } from '../fs/json.js';

/** Spelled out, not inferred from the schema: the SDK's declarations reach it and must not need valibot. */
export interface CacheSidecar {
  format: 1;
  key: string;
  file: string;
  inputs: Record<string, unknown>;
  createdAt: string;
  size: number;
  sha256: string;
  buildSeconds?: number | undefined;
}

const SidecarSchema: v.GenericSchema<unknown, CacheSidecar> = v.object({
  format: v.literal(1),
  key: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  file: v.string(),
  inputs: v.record(v.string(), v.unknown()),
  createdAt: v.pipe(v.string(), v.isoTimestamp()),
  size: v.pipe(v.number(), v.integer(), v.minValue(0)),
  sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  buildSeconds: v.optional(v.number()),
});

/** Parse a tarball's sidecar; undefined when missing, unreadable or not ours. */
export function readSidecar(path: string): Promise<CacheSidecar | undefined> {
  return readJsonFile(SidecarSchema, path);
}

/** Write a sidecar (any JSON object) atomically, durable once this returns. */
export async function writeSidecar(path: string, sidecar: object): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(sidecar, null, 2) + '\n', { mode: 0o600 });
}
