/** Executor: incremental checksums for downloads (whole files: src/fs/hash.ts). */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { HashAlgo } from './types.js';

/** Several digests of one byte stream, fed as it arrives. */
export class MultiHash {
  private hashes: Map<HashAlgo, Hash>;
  /** Bytes fed so far. */
  bytes = 0;

  constructor(readonly algos: readonly HashAlgo[]) {
    this.hashes = new Map(algos.map((a) => [a, createHash(a)]));
  }

  update(chunk: Uint8Array): void {
    for (const h of this.hashes.values()) h.update(chunk);
    this.bytes += chunk.length;
  }

  digests(): Map<HashAlgo, string> {
    return new Map([...this.hashes].map(([a, h]) => [a, h.digest('hex')]));
  }
}

/** Feed the first `end` bytes of a file (all of it when undefined) into a fresh MultiHash. */
export async function hashPrefix(
  path: string,
  algos: readonly HashAlgo[],
  end?: number,
  signal?: AbortSignal,
): Promise<MultiHash> {
  const m = new MultiHash(algos);
  if (end === 0) return m;
  const stream = createReadStream(path, {
    highWaterMark: 1024 * 1024,
    ...(end === undefined ? {} : { end: end - 1 }),
    ...(signal ? { signal } : {}),
  });
  for await (const chunk of stream) m.update(chunk as Buffer);
  return m;
}
