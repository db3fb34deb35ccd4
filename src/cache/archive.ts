/**
 * Cache tarballs: GNU tar (ACLs, xattrs incl. file capabilities, numeric owners, sparse files)
 * piped through zstd by the fd-handoff pipeline, so no byte passes through Node. Also the sha256
 * used to check a tarball before it is trusted.
 */
import { fstatSync } from 'node:fs';
import { runPipeline } from '../process/pipeline.js';
import { bytesLeft, streamSampler, withProgress } from '../progress/index.js';
import type { Logger } from '../runtime/logger.js';
import { tarCreateArgv, tarExtractArgv } from '../stream/tar.js';

export interface ArchiveOptions {
  log: Logger;
  signal?: AbortSignal;
  /** zstd level; default 3. */
  level?: number;
}

/** tar the whole tree below `dir` ('.' as the root member) into zstd, written to `outFd`. */
export async function packTree(dir: string, outFd: number, opts: ArchiveOptions): Promise<void> {
  // The tarball's size so far (zstd writes it), a line every 10 s in the log.
  const sample = (): number | undefined => {
    try {
      return fstatSync(outFd).size;
    } catch {
      return undefined;
    }
  };
  await withProgress({ log: opts.log, phase: 'cache: pack the tree', sample, summary: 'long' }, () =>
    runPipeline([tarCreateArgv({ dir }), ['zstd', '-T0', `-${opts.level ?? 3}`, '-q', '-c']], {
      log: opts.log,
      signal: opts.signal,
      stdin: 'ignore',
      stdout: outFd,
      code: 'E_CACHE_PACK',
      hint: 'check free space in the cache directory',
    }),
  );
}

/**
 * Extract a .tar.zst made by packTree (a path, or an fd open on it) into `target` (which must
 * exist), keeping all metadata.
 */
export async function unpackTree(
  tarball: string | number,
  target: string,
  opts: ArchiveOptions,
): Promise<void> {
  // Of an fd: the part of the tarball read so far; of a path: a heartbeat.
  const progress = {
    log: opts.log,
    phase: 'cache: unpack the tree',
    summary: 'long' as const,
    ...(typeof tarball === 'number'
      ? { total: bytesLeft(tarball), sample: streamSampler(tarball, 'read') }
      : {}),
  };
  await withProgress(progress, () =>
    runPipeline([['zstd', '-dc', '-q'], tarExtractArgv({ dir: target, pipe: true })], {
      log: opts.log,
      signal: opts.signal,
      stdin: typeof tarball === 'number' ? tarball : { path: tarball },
      stdout: 'ignore',
      code: 'E_CACHE_UNPACK',
      hint: 'check free space on the target disk',
    }),
  );
}

/** zstd's own integrity check (frame checksums), without extracting. */
export async function testTarball(tarball: string, opts: ArchiveOptions): Promise<void> {
  await runPipeline([['zstd', '-t', '-q', tarball]], {
    log: opts.log,
    signal: opts.signal,
    stdout: 'ignore',
    code: 'E_CACHE_CORRUPT',
  });
}

export { sha256File } from '../fs/hash.js';
