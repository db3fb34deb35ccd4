/**
 * Checksums of captured images: `FILE.sha256` beside each output (`<hex>  <basename>`, what
 * `sha256sum` prints and `sha256sum -c` reads) and, on request, the image directory's `SHA256SUMS`,
 * where the lines of the new files replace older lines of the same names. SHA256SUMS is rewritten
 * atomically under a lock (`.SHA256SUMS.lock` in the same directory), so concurrent captures into
 * one directory never lose each other's lines.
 */
import { lstatSync } from 'node:fs';
import { basename, join } from 'node:path';
import { lockFile } from '../cache/lock.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { readRegularNoFollow } from '../fs/nofollow.js';
import { OsError, isOsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';

export interface FileSum {
  /** File name inside the directory (no slash). */
  name: string;
  sha256: string;
}

/** One line as sha256sum writes it (text mode, two spaces; a name with a backslash is escaped). */
export function sumLine(s: FileSum): string {
  if (s.name.includes('\n')) throw new OsError('E_INTERNAL', 'file name with a newline in a checksum line');
  return s.name.includes('\\')
    ? `\\${s.sha256}  ${s.name.replaceAll('\\', '\\\\')}\n`
    : `${s.sha256}  ${s.name}\n`;
}

/** The file name of a checksum line, or undefined for a line of another shape (kept as it is). */
export function sumLineName(line: string): string | undefined {
  const m = /^(\\?)[0-9a-fA-F]{64,128} [ *](.+)$/.exec(line);
  if (!m) return undefined;
  const name = m[1] ? m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)) : m[2]!;
  return name.replace(/^\.\//, '');
}

/** SHA256SUMS text with the lines for `sums` added, replacing older lines of the same names. */
export function mergeSums(existing: string, sums: readonly FileSum[]): string {
  const names = new Set(sums.map((s) => s.name));
  const kept = existing
    .split('\n')
    .filter((l) => l !== '')
    .filter((l) => {
      const n = sumLineName(l);
      return n === undefined || !names.has(n);
    })
    .map((l) => `${l}\n`);
  return [...kept, ...sums.map(sumLine)].join('');
}

export { sha256File } from '../fs/hash.js';

/** Write `FILE.sha256` beside `file` (atomically). */
export async function writeSidecar(file: string, sha256: string): Promise<string> {
  const path = `${file}.sha256`;
  await writeFileAtomic(path, sumLine({ name: basename(file), sha256 }));
  return path;
}

function existsNoFollow(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Add (or replace) the lines for `sums` in `dir`/SHA256SUMS, under the directory's lock. */
export async function addToSums(
  dir: string,
  sums: readonly FileSum[],
  opts: { log: Logger; signal?: AbortSignal; timeoutSec?: number },
): Promise<string> {
  const path = join(dir, 'SHA256SUMS');
  let lock;
  try {
    lock = await lockFile(join(dir, '.SHA256SUMS.lock'), {
      log: opts.log,
      timeoutSec: opts.timeoutSec ?? 120,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (e) {
    if (!isOsError(e) || e.code !== 'E_CACHE_LOCKED') throw e;
    throw new OsError('E_CAPTURE_SUMS', `${path} is locked by another process`, {
      hint: `another capture is updating it; retry, or find the holder with: fuser ${join(dir, '.SHA256SUMS.lock')}`,
    });
  }
  try {
    const current = readRegularNoFollow(path);
    // Present but not a regular file (a symlink, a directory): never read or written through.
    if (!current && existsNoFollow(path))
      throw new OsError('E_CAPTURE_SUMS', `${path} is not a regular file`, {
        hint: 'remove it or choose another output directory',
      });
    const text = current ? current.content.toString('utf8') : '';
    await writeFileAtomic(path, mergeSums(text, sums));
    opts.log.debug(`updated ${path}: ${sums.map((s) => s.name).join(', ')}`);
    return path;
  } finally {
    lock.release();
  }
}
