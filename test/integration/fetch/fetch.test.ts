/**
 * fetchImage for real against an HTTP server on loopback: downloads into the content-keyed cache,
 * hits, refusals (status, web page, size, checksum, missing checksum), resumed downloads, signed
 * SHA256SUMS checked by gpgv against keys made here, and concurrent fetches of one image.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchImage, hashFile, type FetchOptions, type ImageSource } from '../../../src/fetch/index.js';
import { isOsError } from '../../../src/runtime/errors.js';
import { Logger, MemorySink } from '../../../src/runtime/logger.js';
import { dropAfter, serveFile, startServer, type TestServer } from './server.js';

const MiB = 1024 * 1024;
const image = randomBytes(3 * MiB);
const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const sha512 = (b: Buffer | string): string => createHash('sha512').update(b).digest('hex');
const stem = `sha256-${sha256(image)}`;

let srv: TestServer;
let base: string;
let cacheDir: string;
let sink: MemorySink;
let log: Logger;
let tmpBefore: string[];

const ourTemps = async (): Promise<string[]> =>
  (await readdir(tmpdir())).filter((n) => /^ganeti-os-(gpgv|sums)-/.test(n)).sort();

beforeEach(async () => {
  srv = await startServer();
  base = await mkdtemp(join(tmpdir(), 'fetch-test-'));
  cacheDir = join(base, 'cache', 'image');
  sink = new MemorySink();
  log = new Logger('debug', sink);
  tmpBefore = await ourTemps();
});
afterEach(async () => {
  await srv.close();
  await rm(base, { recursive: true, force: true });
  expect(await ourTemps()).toEqual(tmpBefore);
});

const opts = (o: Partial<FetchOptions> = {}): FetchOptions => ({ cacheDir, log, retryDelayMs: 20, ...o });

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isOsError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a failure');
}

async function imageFiles(): Promise<string[]> {
  return (await readdir(join(cacheDir, 'images')).catch(() => [])).sort();
}

describe('fetchImage', () => {
  it('downloads, verifies and stores the image, then hits the cache without a request', async () => {
    srv.route('/images/debian.qcow2', serveFile(image));
    const src: ImageSource = { url: `${srv.base}/images/debian.qcow2`, sha256: sha256(image) };
    const first = await fetchImage(src, opts());
    expect(first).toEqual({
      path: join(cacheDir, 'images', `${stem}.image`),
      hit: false,
      bytes: image.length,
    });
    expect(sha256(await readFile(first.path))).toBe(sha256(image));
    expect(await imageFiles()).toEqual([`${stem}.image`, `${stem}.json`, `${stem}.lock`]);
    const sidecar = JSON.parse(await readFile(join(cacheDir, 'images', `${stem}.json`), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(sidecar).toMatchObject({
      kind: 'image',
      name: 'debian.qcow2',
      url: src.url,
      algo: 'sha256',
      checksum: sha256(image),
      size: image.length,
    });
    const second = await fetchImage(src, opts());
    expect(second).toEqual({ ...first, hit: true });
    expect(srv.count('/images/debian.qcow2')).toBe(1);
    expect(execFileSync('stat', ['-c', '%a', join(cacheDir, 'images')], { encoding: 'utf8' }).trim()).toBe(
      '700',
    );
    expect(await hashFile(first.path, 'sha512')).toBe(sha512(image));
    // A different URL serving the same content is the same entry.
    srv.route('/mirror/other-name.img', serveFile(image));
    expect((await fetchImage({ ...src, url: `${srv.base}/mirror/other-name.img` }, opts())).hit).toBe(true);
    expect(srv.count('/mirror/other-name.img')).toBe(0);
  });

  it('verifies sha512 too, and downloads again when the cached file was truncated', async () => {
    srv.route('/x.raw', serveFile(image));
    const src = { url: `${srv.base}/x.raw`, sha512: sha512(image) };
    const { path } = await fetchImage(src, opts());
    expect(path).toMatch(/sha512-[0-9a-f]{128}\.image$/);
    await truncate(path, 1000);
    const again = await fetchImage(src, opts());
    expect(again.hit).toBe(false);
    expect(sink.lines.some((l) => /is damaged \(size 1000/.test(l))).toBe(true);
    expect(sha512(await readFile(path))).toBe(sha512(image));
  });

  it('refuses a checksum mismatch and leaves no image in the cache', async () => {
    srv.route('/x.img', serveFile(image));
    const f = await failure(
      fetchImage({ url: `${srv.base}/x.img`, sha256: sha256('something else') }, opts()),
    );
    expect(f.code).toBe('E_FETCH_CHECKSUM');
    expect(f.message).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/x\.img: sha256 is [0-9a-f]{16}…, the variant says/,
    );
    expect((await imageFiles()).filter((n) => !n.endsWith('.lock'))).toEqual([]);
  });

  it('resumes a download whose connection dropped half-way with a Range request', async () => {
    let n = 0;
    const full = serveFile(image, { etag: '"v1"' });
    srv.route('/drop.img', (req, res) =>
      (++n === 1 ? dropAfter(image, image.length / 2, '"v1"') : full)(req, res, n),
    );
    const r = await fetchImage({ url: `${srv.base}/drop.img`, sha256: sha256(image) }, opts());
    expect(r.hit).toBe(false);
    expect(sha256(await readFile(r.path))).toBe(sha256(image));
    const reqs = srv.requests.filter((q) => q.path === '/drop.img');
    expect(reqs).toHaveLength(2);
    expect(reqs[0]!.headers.range).toBeUndefined();
    const start = Number(/^bytes=(\d+)-$/.exec(reqs[1]!.headers.range ?? '')?.[1]);
    expect(start).toBeGreaterThan(0);
    expect(start).toBeLessThanOrEqual(image.length / 2);
    expect(reqs[1]!.headers['if-range']).toBe('"v1"');
    expect(sink.lines.some((l) => /connection lost after \d+ of 3145728 bytes.*retrying/.test(l))).toBe(true);
    expect(await imageFiles()).toEqual([`${stem}.image`, `${stem}.json`, `${stem}.lock`]);
  });

  it('resumes the partial file a failed run left behind, and starts again when the server ignores Range', async () => {
    let n = 0;
    srv.route('/left.img', (req, res) =>
      (++n === 1 ? dropAfter(image, MiB) : serveFile(image, { ranges: n === 2 }))(req, res, n),
    );
    const src = { url: `${srv.base}/left.img`, sha256: sha256(image) };
    const f = await failure(fetchImage(src, opts({ retries: 0 })));
    expect(f.code).toBe('E_FETCH_SIZE');
    expect(await imageFiles()).toEqual([`.${stem}.partial`, `.${stem}.partial.json`, `${stem}.lock`]);
    const r = await fetchImage(src, opts());
    expect(sha256(await readFile(r.path))).toBe(sha256(image));
    expect(srv.requests[1]!.headers.range).toMatch(/^bytes=[1-9]\d*-$/);
    // Without Range support the answer is a 200: the file restarts from the first byte.
    await rm(r.path);
    await writeFile(join(cacheDir, 'images', `.${stem}.partial`), image.subarray(0, 1000));
    const again = await fetchImage(src, opts());
    expect(srv.requests[2]!.headers.range).toBe('bytes=1000-');
    expect(sha256(await readFile(again.path))).toBe(sha256(image));
  });

  it('refuses a 404 at once and a 500 after its retries', async () => {
    const missing = await failure(fetchImage({ url: `${srv.base}/none.img`, sha256: sha256(image) }, opts()));
    expect(missing).toEqual({ code: 'E_FETCH_HTTP', message: `GET ${srv.base}/none.img: 404 Not Found` });
    expect(srv.count('/none.img')).toBe(1);
    srv.route('/err.img', (_req, res) => void res.writeHead(500).end('oops'));
    const err = await failure(
      fetchImage({ url: `${srv.base}/err.img`, sha256: sha256(image) }, opts({ retries: 2 })),
    );
    expect(err).toEqual({
      code: 'E_FETCH_HTTP',
      message: `GET ${srv.base}/err.img: 500 Internal Server Error`,
    });
    expect(srv.count('/err.img')).toBe(3);
    expect((await imageFiles()).filter((n) => !n.endsWith('.lock'))).toEqual([]);
  });

  it('refuses a web page served with 200, by its type or by its content', async () => {
    const page = Buffer.from('<!DOCTYPE html>\n<html><body>Download our image!</body></html>\n');
    srv.route('/page.img', serveFile(page, { type: 'text/html; charset=utf-8' }));
    srv.route('/sneaky.img', serveFile(page));
    for (const p of ['/page.img', '/sneaky.img']) {
      const f = await failure(fetchImage({ url: `${srv.base}${p}`, sha256: sha256(page) }, opts()));
      expect(f).toEqual({
        code: 'E_FETCH_HTML',
        message: `GET ${srv.base}${p}: the server sent a web page, not an image`,
      });
    }
    expect((await imageFiles()).filter((n) => !n.endsWith('.lock'))).toEqual([]);
  });

  it('gives up on a server that stops sending, after its retries', async () => {
    srv.route('/stall.img', (_req, res) => {
      res.writeHead(200, { 'content-length': String(image.length) });
      res.write(image.subarray(0, 1000));
    });
    const f = await failure(
      fetchImage(
        { url: `${srv.base}/stall.img`, sha256: sha256(image) },
        opts({ timeoutMs: 300, retries: 1 }),
      ),
    );
    expect(f.code).toBe('E_FETCH_SIZE');
    expect(f.message).toMatch(/stall\.img: connection lost after 1000 of 3145728 bytes/);
    expect(srv.requests.map((r) => r.headers.range)).toEqual([undefined, 'bytes=1000-']);
    expect(sink.lines.some((l) => /no data for 0\.3 s|connection lost/.test(l))).toBe(true);
  });

  it('refuses a URL without a checksum before any request, and non-http URLs', async () => {
    srv.route('/x.img', serveFile(image));
    expect(await failure(fetchImage({ url: `${srv.base}/x.img` }, opts()))).toMatchObject({
      code: 'E_FETCH_NO_CHECKSUM',
    });
    expect(srv.requests).toEqual([]);
    expect(
      (await failure(fetchImage({ url: 'file:///etc/shadow', sha256: sha256(image) }, opts()))).code,
    ).toBe('E_FETCH_URL');
  });

  it('never shows the credentials of a URL', async () => {
    srv.route('/private.img', (req, res, n) => {
      if (req.headers.authorization !== `Basic ${Buffer.from('admin:s3cret-pw').toString('base64')}`)
        return void res.writeHead(401, 'Unauthorized').end();
      void serveFile(image)(req, res, n);
    });
    const url = `${srv.base.replace('//', '//admin:s3cret-pw@')}/private.img`;
    const r = await fetchImage({ url, sha256: sha256(image) }, opts());
    expect(r.hit).toBe(false);
    const f = await failure(fetchImage({ url: url.replace('s3cret', 'wrong'), sha256: sha256('x') }, opts()));
    expect(f.message).toBe(
      `GET http://***@127.0.0.1:${new URL(srv.base).port}/private.img: 401 Unauthorized`,
    );
    const sidecar = await readFile(join(cacheDir, 'images', `${stem}.json`), 'utf8');
    expect(`${sink.lines.join('\n')}\n${sidecar}`).not.toMatch(/s3cret|wrong-pw/);
  });

  it('downloads once when two fetches of one image run at the same time', async () => {
    srv.route('/slow.img', (_req, res) => {
      res.writeHead(200, { 'content-length': String(image.length) });
      let off = 0;
      const t = setInterval(() => {
        res.write(image.subarray(off, off + MiB / 2));
        off += MiB / 2;
        if (off >= image.length) {
          clearInterval(t);
          res.end();
        }
      }, 30);
    });
    const src = { url: `${srv.base}/slow.img`, sha256: sha256(image) };
    const rs = await Promise.all([fetchImage(src, opts()), fetchImage(src, opts())]);
    expect(srv.count('/slow.img')).toBe(1);
    expect(rs.map((r) => r.hit).sort()).toEqual([false, true]);
    expect(rs[0].path).toBe(rs[1].path);
  });
});

describe('signed checksum files', () => {
  let gpgHome: string;
  let keyring: string;
  let otherKeyring: string;
  const sums = Buffer.from(
    `${sha256('unrelated')}  other.img\n${sha256(image)}  debian-12-genericcloud-amd64.qcow2\n`,
  );

  const gpg = (home: string, ...args: string[]): Buffer =>
    execFileSync(
      'gpg',
      ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
  const newKey = (home: string, uid: string): void => {
    gpg(home, '--quick-gen-key', uid, 'ed25519', 'sign', 'never');
  };

  beforeAll(async () => {
    gpgHome = await mkdtemp(join(tmpdir(), 'fetch-gpg-'));
    const other = join(gpgHome, 'other');
    execFileSync('mkdir', ['-m', '0700', join(gpgHome, 'signer'), other]);
    newKey(join(gpgHome, 'signer'), 'Image Signer <images@example.org>');
    newKey(other, 'Someone Else <else@example.org>');
    keyring = join(gpgHome, 'signer.gpg');
    otherKeyring = join(gpgHome, 'other.gpg');
    await writeFile(keyring, gpg(join(gpgHome, 'signer'), '--export'));
    await writeFile(otherKeyring, gpg(other, '--export'));
    await writeFile(join(gpgHome, 'SHA256SUMS'), sums);
    gpg(
      join(gpgHome, 'signer'),
      '--detach-sign',
      '-o',
      join(gpgHome, 'SHA256SUMS.gpg'),
      join(gpgHome, 'SHA256SUMS'),
    );
    await writeFile(
      join(gpgHome, 'forged'),
      Buffer.concat([sums, Buffer.from(`${sha256('x')}  evil.img\n`)]),
    );
    gpg(join(gpgHome, 'signer'), '--detach-sign', '-o', join(gpgHome, 'forged.gpg'), join(gpgHome, 'forged'));
  });
  afterAll(async () => {
    for (const h of ['signer', 'other'])
      execFileSync('gpgconf', ['--homedir', join(gpgHome, h), '--kill', 'gpg-agent'], { stdio: 'ignore' });
    await rm(gpgHome, { recursive: true, force: true });
  });

  const serveSigned = async (sigFile: string): Promise<void> => {
    srv.route('/cloud/debian-12-genericcloud-amd64.qcow2', serveFile(image));
    srv.route('/cloud/SHA256SUMS', serveFile(sums, { type: 'text/plain' }));
    srv.route('/cloud/SHA256SUMS.sign', serveFile(await readFile(join(gpgHome, sigFile))));
  };
  const signedSource = (kr: string): ImageSource => ({
    url: `${srv.base}/cloud/debian-12-genericcloud-amd64.qcow2`,
    sums: { url: 'SHA256SUMS', signature: `${srv.base}/cloud/SHA256SUMS.sign`, keyring: kr },
  });

  it('accepts an image listed in a SHA256SUMS signed by a key of the keyring', async () => {
    await serveSigned('SHA256SUMS.gpg');
    const r = await fetchImage(signedSource(keyring), opts());
    expect(r.hit).toBe(false);
    expect(r.path).toBe(join(cacheDir, 'images', `${stem}.image`));
    expect(sink.lines.some((l) => l.includes('SHA256SUMS: good signature'))).toBe(true);
    // Fetched and checked again on a hit: the entry is found by the checksum it names.
    expect((await fetchImage(signedSource(keyring), opts())).hit).toBe(true);
    expect(srv.count('/cloud/SHA256SUMS.sign')).toBe(2);
  });

  it('refuses a signature made over other data, and one by a key not in the keyring', async () => {
    await serveSigned('forged.gpg');
    const bad = await failure(fetchImage(signedSource(keyring), opts()));
    expect(bad.code).toBe('E_FETCH_SIGNATURE');
    expect(bad.message).toMatch(/SHA256SUMS failed: gpgv: BAD signature from "Image Signer/);
    await serveSigned('SHA256SUMS.gpg');
    const wrongKey = await failure(fetchImage(signedSource(otherKeyring), opts()));
    expect(wrongKey.code).toBe('E_FETCH_SIGNATURE');
    expect(wrongKey.message).toMatch(/SHA256SUMS failed: gpgv: Can't check signature: No public key/);
    expect(srv.count('/cloud/debian-12-genericcloud-amd64.qcow2')).toBe(0);
    expect(await imageFiles()).toEqual([]);
  });

  it('refuses a checksum file without the image, and a signature without a keyring', async () => {
    await serveSigned('SHA256SUMS.gpg');
    srv.route('/cloud/unlisted.img', serveFile(image));
    const src = { ...signedSource(keyring), url: `${srv.base}/cloud/unlisted.img` };
    expect(await failure(fetchImage(src, opts()))).toEqual({
      code: 'E_FETCH_SUMS',
      message: `checksum file ${srv.base}/cloud/SHA256SUMS has no entry for unlisted.img`,
    });
    const noKeyring = { ...src, sums: { url: 'SHA256SUMS', signature: 'SHA256SUMS.sign' } };
    expect((await failure(fetchImage(noKeyring, opts()))).code).toBe('E_FETCH_SIGNATURE');
  });
});
