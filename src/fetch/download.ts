/**
 * Executor: download one URL into the entry's partial file, hashing on the way. An existing partial
 * file (a killed run, a dropped connection) is resumed with a Range request, guarded by If-Range with
 * the validators of the response it started from; a 206 must carry exactly the asked range, any
 * other answer starts the file again. Dropped connections and server errors are retried with backoff.
 * Nothing is buffered beyond one write batch, and the body never touches a file before its head and
 * first bytes were judged (error status, web page).
 */
import { constants } from 'node:fs';
import { open, stat, unlink, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { createProgress } from '../progress/reporter.js';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { ImagePaths } from './entry.js';
import { readPartialMeta, writePartialMeta } from './entry.js';
import { hashPrefix, MultiHash } from './hash.js';
import { httpGet, interrupted } from './http.js';
import { htmlError, looksLikeHtml, planResponse, transient, type ResponseHead } from './response.js';
import { withRetries } from './retry.js';
import type { HashAlgo } from './types.js';

export interface DownloadOptions {
  url: URL;
  /** The URL as it may be shown (credentials masked). */
  shown: string;
  /** The file name, for progress lines. */
  name: string;
  paths: ImagePaths;
  algos: readonly HashAlgo[];
  log: Logger;
  signal?: AbortSignal | undefined;
  tty: boolean;
  retries: number;
  retryDelayMs: number;
  timeoutMs: number;
  /** Ignore any partial file and start from the first byte. */
  fresh?: boolean;
}

export interface Downloaded {
  bytes: number;
  digests: Map<HashAlgo, string>;
  /** Some bytes came from an earlier, interrupted download. */
  resumed: boolean;
}

const BATCH = 1024 * 1024;
const SNIFF = 64;

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
}

/** Remove the partial file and its validators. */
export async function discardPartial(paths: ImagePaths): Promise<void> {
  for (const f of [paths.partial, paths.partialMeta]) await unlink(f).catch(() => undefined);
}

function header(head: ResponseHead, name: string): string | undefined {
  const v = head.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The first bytes of a body (at least SNIFF unless it ends sooner), and the iterator to read on. */
async function readHead(
  it: AsyncIterator<Buffer>,
): Promise<{ head: Buffer[]; length: number; ended: boolean }> {
  const head: Buffer[] = [];
  let length = 0;
  while (length < SNIFF) {
    const r = await it.next();
    if (r.done) return { head, length, ended: true };
    head.push(r.value);
    length += r.value.length;
  }
  return { head, length, ended: false };
}

async function writeAll(fh: FileHandle, chunks: Buffer[], bytes: number, path: string): Promise<void> {
  let r;
  try {
    r = await fh.writev(chunks);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new OsError('E_FETCH', `cannot write ${path}: ${code}`, {
      hint: code === 'ENOSPC' ? 'free space in the cache directory' : 'check the cache directory',
    });
  }
  if (r.bytesWritten !== bytes)
    throw new OsError('E_FETCH', `cannot write ${path}: short write`, {
      hint: 'free space in the cache directory',
    });
}

export async function download(o: DownloadOptions): Promise<Downloaded> {
  let hasher: MultiHash | undefined;
  let fresh = o.fresh ?? false;
  let resumed = false;
  if (fresh) await discardPartial(o.paths);

  const attempt = async (): Promise<Downloaded> => {
    const offset = fresh ? 0 : await sizeOf(o.paths.partial);
    const headers: Record<string, string> = {};
    if (offset > 0) {
      headers['range'] = `bytes=${offset}-`;
      const meta = await readPartialMeta(o.paths.partialMeta);
      if (meta?.url === o.shown) {
        if (meta.etag && !meta.etag.startsWith('W/')) headers['if-range'] = meta.etag;
        else if (meta.lastModified) headers['if-range'] = meta.lastModified;
      }
      o.log.info(`download ${o.name}: resuming after ${offset} bytes`);
    }
    const res = await httpGet(o.url, { headers, signal: o.signal, timeoutMs: o.timeoutMs });
    try {
      const plan = planResponse(o.shown, res.head, offset);
      if (plan.kind === 'restart') {
        if (offset === 0)
          throw new OsError(
            'E_FETCH_HTTP',
            `GET ${o.shown}: the server sent a partial answer to a full request`,
            {
              hint: 'the server is misbehaving; check it',
            },
          );
        o.log.warn(`download ${o.name}: cannot resume (${plan.reason}); starting again`);
        res.body.destroy();
        fresh = true;
        return await attempt();
      }
      if (plan.kind === 'complete') {
        res.body.resume();
        if (hasher?.bytes !== offset) hasher = await hashPrefix(o.paths.partial, o.algos, offset, o.signal);
        return { bytes: offset, digests: hasher.digests(), resumed: true };
      }
      return await writeBody(res.body, res.head, plan.from, plan.total);
    } finally {
      res.body.destroy();
    }
  };

  const writeBody = async (
    body: IncomingMessage,
    head: ResponseHead,
    from: number,
    total: number | undefined,
  ): Promise<Downloaded> => {
    const it = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let written = from;
    const lost = (e: unknown): OsError => {
      if (o.signal?.aborted) return interrupted(o.url);
      if (e instanceof OsError) return e;
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      return transient(
        new OsError(
          total === undefined ? 'E_FETCH' : 'E_FETCH_SIZE',
          `GET ${o.shown}: connection lost after ${written}${total === undefined ? '' : ` of ${total}`} bytes (${why})`,
          { hint: 'the server or the network dropped the download; run again to resume it' },
        ),
      );
    };
    let first: Awaited<ReturnType<typeof readHead>>;
    try {
      first = await readHead(it);
    } catch (e) {
      throw lost(e);
    }
    if (from === 0 && looksLikeHtml(Buffer.concat(first.head))) throw htmlError(o.shown);

    const fh = await open(
      o.paths.partial,
      constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW,
      0o600,
    );
    const progress = createProgress({
      phase: `download ${o.name}`,
      total,
      start: from,
      log: o.log,
      tty: o.tty,
    });
    try {
      if (from === 0) {
        await fh.truncate(0);
        await writePartialMeta(o.paths.partialMeta, {
          url: o.shown,
          etag: header(head, 'etag'),
          lastModified: header(head, 'last-modified'),
        });
        hasher = new MultiHash(o.algos);
        fresh = false;
      } else {
        resumed = true;
        if (hasher?.bytes !== from) hasher = await hashPrefix(o.paths.partial, o.algos, from, o.signal);
      }
      const h = hasher;
      let batch: Buffer[] = first.head;
      let batchBytes = first.length;
      const flush = async (): Promise<void> => {
        if (batchBytes === 0) return;
        if (total !== undefined && written + batchBytes > total)
          throw new OsError('E_FETCH_SIZE', `GET ${o.shown}: the server sent more than its ${total} bytes`, {
            hint: 'the server is misbehaving; check it',
          });
        await writeAll(fh, batch, batchBytes, o.paths.partial);
        for (const c of batch) h.update(c);
        written += batchBytes;
        batch = [];
        batchBytes = 0;
        progress.update(written);
      };
      if (!first.ended) {
        try {
          for (;;) {
            const r = await it.next();
            if (r.done) break;
            batch.push(r.value);
            batchBytes += r.value.length;
            if (batchBytes >= BATCH) await flush();
          }
        } catch (e) {
          await flush();
          throw lost(e);
        }
      }
      await flush();
      if (total !== undefined && written !== total) throw lost(new Error('closed early'));
      await fh.sync();
      progress.finish();
      return { bytes: written, digests: h.digests(), resumed };
    } finally {
      progress.stop();
      await fh.close();
    }
  };

  return withRetries(o, () => attempt());
}
