/**
 * Executor: which checksums an image must have. Pinned ones come from the source itself; a
 * SHA256SUMS/SHA512SUMS file is fetched (small, into memory) on every run, its detached signature
 * checked with gpgv against the variant's keyring, and the image's line looked up by file name.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Runner } from '../process/types.js';
import type { CleanupStack } from '../runtime/cleanup.js';
import { OsError } from '../runtime/errors.js';
import { httpGet } from './http.js';
import { contentLength, htmlError, isHtmlType, looksLikeHtml, statusError, transient } from './response.js';
import { withRetries, type RetryOptions } from './retry.js';
import { verifySignature } from './signature.js';
import { algoOfHex, findSum, parseSums, pinnedSums } from './sums.js';
import type { ExpectedSum, ImageSource } from './types.js';
import { parseHttpUrl, redactUrl, urlFileName } from './url.js';

const SUMS_LIMIT = 8 * 1024 * 1024;
const SIGNATURE_LIMIT = 1024 * 1024;

export interface TrustOptions extends RetryOptions {
  timeoutMs: number;
  runner: Runner;
  cleanup: CleanupStack;
}

/** GET a small file into memory (a checksum file, a signature), refusing error pages and big bodies. */
export async function fetchSmall(url: URL, limit: number, o: TrustOptions): Promise<Buffer> {
  const shown = redactUrl(url);
  return withRetries(o, async () => {
    const res = await httpGet(url, { signal: o.signal, timeoutMs: o.timeoutMs });
    try {
      if (res.head.status !== 200) throw statusError(shown, res.head);
      const ct = res.head.headers['content-type'];
      if (isHtmlType(Array.isArray(ct) ? ct[0] : ct)) throw htmlError(shown);
      const declared = contentLength(res.head.headers);
      const tooBig = (): OsError =>
        new OsError('E_FETCH_SIZE', `GET ${shown}: larger than ${limit} bytes`, {
          hint: 'this URL should name a checksum file or a signature, not an image',
        });
      if (declared !== undefined && declared > limit) throw tooBig();
      const chunks: Buffer[] = [];
      let n = 0;
      try {
        for await (const c of res.body as AsyncIterable<Buffer>) {
          n += c.length;
          if (n > limit) throw tooBig();
          chunks.push(c);
        }
      } catch (e) {
        if (e instanceof OsError) throw e;
        throw transient(
          new OsError('E_FETCH', `GET ${shown}: connection lost (${(e as Error).message})`, {
            hint: 'check that the server is reachable from this node',
          }),
        );
      }
      const body = Buffer.concat(chunks);
      if (declared !== undefined && body.length !== declared)
        throw transient(
          new OsError('E_FETCH_SIZE', `GET ${shown}: got ${body.length} of ${declared} bytes`, {
            hint: 'the server or the network dropped the download; retry',
          }),
        );
      if (looksLikeHtml(body)) throw htmlError(shown);
      return body;
    } finally {
      res.body.destroy();
    }
  });
}

/** Fetch, verify and read the checksum file of `src`; the image's entry by its file name. */
async function sumsFromFile(
  src: ImageSource & { sums: NonNullable<ImageSource['sums']> },
  imageUrl: URL,
  o: TrustOptions,
): Promise<ExpectedSum> {
  const sumsUrl = parseHttpUrl(src.sums.url, imageUrl.href);
  const shown = redactUrl(sumsUrl);
  const text = await fetchSmall(sumsUrl, SUMS_LIMIT, o);
  const { signature, keyring } = src.sums;
  if (signature !== undefined || keyring !== undefined) {
    if (signature === undefined || keyring === undefined) {
      throw new OsError(
        'E_FETCH_SIGNATURE',
        `checksum file ${shown}: a ${signature === undefined ? 'keyring' : 'signature'} is given without a ${signature === undefined ? 'signature' : 'keyring'}`,
        { hint: 'name both the detached signature (URL) and the keyring (file) that checks it' },
      );
    }
    const sigUrl = parseHttpUrl(signature, imageUrl.href);
    const sig = await fetchSmall(sigUrl, SIGNATURE_LIMIT, o);
    const dir = await mkdtemp(join(tmpdir(), 'ganeti-os-sums-'));
    const h = o.cleanup.push(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
    try {
      await writeFile(join(dir, 'sums'), text, { mode: 0o600 });
      await writeFile(join(dir, 'sums.sig'), sig, { mode: 0o600 });
      await verifySignature({
        data: join(dir, 'sums'),
        signature: join(dir, 'sums.sig'),
        keyring,
        runner: o.runner,
        label: shown,
        home: join(dir, 'gnupg'),
      });
    } finally {
      await h.release();
    }
    o.log.info(`checksum file ${shown}: good signature (keyring ${keyring})`);
  } else {
    o.log.warn(`checksum file ${shown} is not signed: it is only as trustworthy as the server`);
  }
  const name = urlFileName(imageUrl);
  const hex = findSum(parseSums(text.toString('utf8')), name);
  if (hex === undefined) {
    throw new OsError('E_FETCH_SUMS', `checksum file ${shown} has no entry for ${name}`, {
      hint: 'check the image URL and the checksum file it belongs to',
    });
  }
  return { algo: algoOfHex(hex)!, hex, from: `the checksum file ${shown}` };
}

/** Every checksum the image must match; at least one (E_FETCH_NO_CHECKSUM otherwise). */
export async function expectedSums(src: ImageSource, imageUrl: URL, o: TrustOptions): Promise<ExpectedSum[]> {
  const out = pinnedSums(src);
  if (src.sums) {
    const s = await sumsFromFile({ ...src, sums: src.sums }, imageUrl, o);
    const same = out.find((p) => p.algo === s.algo);
    if (same && same.hex !== s.hex) {
      throw new OsError(
        'E_FETCH_CHECKSUM',
        `${s.from} gives ${s.algo} ${s.hex.slice(0, 16)}… for ${urlFileName(imageUrl)}, the variant pins ${same.hex.slice(0, 16)}…`,
        { hint: 'the image was replaced on the server; check which one is meant and update the variant' },
      );
    }
    if (!same) out.push(s);
  }
  if (out.length === 0) {
    throw new OsError('E_FETCH_NO_CHECKSUM', `${redactUrl(imageUrl)}: no checksum to verify it with`, {
      hint: 'a URL source needs sha256 or sha512 (or a signed SHA256SUMS file) in the variant',
    });
  }
  return out;
}
