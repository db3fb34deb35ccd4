/**
 * fetchImage: an image from an http(s) URL into the content-keyed cache. Per image:
 *   checksums (pinned, or a signed checksum file) -> lock -> a valid entry? (size, mtime, sidecar)
 *   else: download into the partial file (resumed, retried) -> verify every checksum -> fsync ->
 *   sidecar -> rename -> unlock
 * A checksum mismatch removes the download; one made partly of an earlier run's bytes is tried once
 * more from the first byte before it is refused.
 */
import { rename, stat, unlink } from 'node:fs/promises';
import { fsyncPath } from '../fs/atomic.js';
import { lockFile } from '../cache/lock.js';
import { ExecRunner } from '../process/runner.js';
import { CleanupStack } from '../runtime/cleanup.js';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { discardPartial, download, type Downloaded } from './download.js';
import {
  ensurePrivateDir,
  imagePaths,
  imagesDir,
  imageStem,
  readImageSidecar,
  writeImageSidecar,
  type ImagePaths,
  type ImageSidecar,
} from './entry.js';
import { hashPrefix } from './hash.js';
import { expectedSums } from './trust.js';
import type { ExpectedSum, FetchOptions, FetchResult, ImageSource } from './types.js';
import { parseHttpUrl, redactUrl, urlFileName } from './url.js';

function mismatches(sums: readonly ExpectedSum[], digests: Map<string, string>): ExpectedSum | undefined {
  return sums.find((s) => digests.get(s.algo) !== s.hex);
}

/** Is the stored entry usable? Size and mtime against the sidecar; a file without one is hashed. */
async function checkStored(
  p: ImagePaths,
  sums: readonly ExpectedSum[],
  log: Logger,
  signal: AbortSignal | undefined,
): Promise<{ size: number; sidecar?: ImageSidecar } | undefined> {
  let st;
  try {
    st = await stat(p.file);
  } catch {
    return undefined;
  }
  const sc = await readImageSidecar(p.sidecar);
  const primary = sums[0]!;
  if (sc && sc.checksum === primary.hex && sc.size === st.size && sc.mtimeMs === st.mtimeMs) {
    return { size: st.size, sidecar: sc };
  }
  if (sc && sc.size !== st.size) {
    log.warn(
      `cache: ${p.stem}.image is damaged (size ${st.size}, recorded ${sc.size}); downloading it again`,
    );
    return undefined;
  }
  log.info(`cache: ${p.stem}.image has ${sc ? 'changed since it was stored' : 'no sidecar'}; checking it`);
  const digests = (
    await hashPrefix(p.file, [...new Set(sums.map((s) => s.algo))], undefined, signal)
  ).digests();
  if (mismatches(sums, digests)) {
    log.warn(`cache: ${p.stem}.image does not match its checksum; downloading it again`);
    return undefined;
  }
  return { size: st.size };
}

export async function fetchImage(src: ImageSource, o: FetchOptions): Promise<FetchResult> {
  const { log } = o;
  const url = parseHttpUrl(src.url);
  const shown = redactUrl(url);
  const name = urlFileName(url);
  const stack = o.cleanup ?? new CleanupStack(log);
  const retry = { log, signal: o.signal, retries: o.retries ?? 3, retryDelayMs: o.retryDelayMs ?? 1000 };
  const timeoutMs = o.timeoutMs ?? 60_000;
  try {
    const sums = await expectedSums(src, url, {
      ...retry,
      timeoutMs,
      runner: new ExecRunner(log, o.signal),
      cleanup: stack,
    });
    const dir = imagesDir(o.cacheDir);
    await ensurePrivateDir(o.cacheDir);
    await ensurePrivateDir(dir);
    const p = imagePaths(dir, imageStem(sums[0]!));
    const lock = await lockFile(p.lock, { log, signal: o.signal, timeoutSec: o.lockTimeoutSec ?? 3600 });
    const unlock = stack.push(`unlock ${p.lock}`, () => lock.release());
    try {
      const now = new Date().toISOString();
      const stored = await checkStored(p, sums, log, o.signal);
      if (stored) {
        const st = await stat(p.file);
        const prev = stored.sidecar;
        await writeImageSidecar(p.sidecar, {
          ...(prev ?? sidecarOf(src, shown, name, sums, st.size, now)),
          mtimeMs: st.mtimeMs,
          usedAt: now,
        });
        log.info(`image ${name}: using the cached copy ${p.file}`);
        return { path: p.file, hit: true, bytes: stored.size };
      }
      await unlink(p.file).catch(() => undefined);

      const started = Date.now();
      const algos = [...new Set(sums.map((s) => s.algo))];
      const dl = {
        url,
        shown,
        name,
        paths: p,
        algos,
        tty: o.tty ?? false,
        timeoutMs,
        ...retry,
      };
      let got: Downloaded = await download(dl);
      let bad = mismatches(sums, got.digests);
      if (bad && got.resumed) {
        log.warn(
          `download ${name}: the resumed file does not match its checksum; downloading it again from the start`,
        );
        got = await download({ ...dl, fresh: true });
        bad = mismatches(sums, got.digests);
      }
      if (bad) {
        await discardPartial(p);
        throw new OsError(
          'E_FETCH_CHECKSUM',
          `${shown}: ${bad.algo} is ${got.digests.get(bad.algo)!.slice(0, 16)}…, ${bad.from} says ${bad.hex.slice(0, 16)}…`,
          {
            hint: 'the file on the server is not the pinned image (replaced, corrupt or tampered with); check the URL and the checksum',
          },
        );
      }
      const st = await stat(p.partial);
      await writeImageSidecar(p.sidecar, {
        ...sidecarOf(src, shown, name, sums, st.size, now),
        mtimeMs: st.mtimeMs,
        downloadSeconds: Math.round((Date.now() - started) / 100) / 10,
      });
      await rename(p.partial, p.file);
      await unlink(p.partialMeta).catch(() => undefined);
      await fsyncPath(dir);
      log.info(
        `image ${name}: stored ${p.file} (${(st.size / 1048576).toFixed(1)} MiB, ${sums.map((s) => s.algo).join(', ')} verified)`,
      );
      return { path: p.file, hit: false, bytes: st.size };
    } finally {
      await unlock.release();
    }
  } finally {
    if (!o.cleanup) await stack.unwind();
  }
}

function sidecarOf(
  src: ImageSource,
  shown: string,
  name: string,
  sums: readonly ExpectedSum[],
  size: number,
  now: string,
): ImageSidecar {
  const primary = sums[0]!;
  const of = (algo: string): string | undefined => sums.find((s) => s.algo === algo)?.hex;
  return {
    format: 1,
    kind: 'image',
    name,
    url: shown,
    ...(src.sums ? { sums: redactUrl(parseHttpUrl(src.sums.url, src.url)) } : {}),
    algo: primary.algo,
    checksum: primary.hex,
    sha256: of('sha256'),
    sha512: of('sha512'),
    size,
    mtimeMs: 0,
    createdAt: now,
    usedAt: now,
  };
}
