/** Checksums of files, streamed (images and cache tarballs are GBs): the one implementation. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export type HashAlgo = 'sha256' | 'sha512';

/** The hex digest of a file. */
export async function hashFile(
  path: string,
  algo: HashAlgo = 'sha256',
  signal?: AbortSignal,
): Promise<string> {
  const hash = createHash(algo);
  for await (const chunk of createReadStream(path, {
    highWaterMark: 1024 * 1024,
    ...(signal ? { signal } : {}),
  }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** sha256 (hex) of a file. */
export const sha256File = (path: string): Promise<string> => hashFile(path, 'sha256');
