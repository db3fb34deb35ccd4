/**
 * URL images through the image provider's create (installed scripts, a Ganeti-like environment),
 * served by an HTTP server this test starts on 127.0.0.1: a pinned SHA-256 that does not match is
 * refused before the disk is touched, a download dropped half way is resumed (Range) and deployed,
 * an error status and an HTML page are refused, an image listed in a SHA256SUMS with a good gpg
 * signature is deployed and one with a bad signature refused, a URL without a checksum refused.
 * Each refusal: a non-zero exit, one `error[E_FETCH_...]` last line with a hint, nothing leaked
 * (loop devices, mounts, temp files, partial downloads), and no image entered the cache.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot } from '../helpers/disk.js';
import { dropAfter, serveFile, startServer, type TestServer } from '../integration/fetch/server.js';
import {
  imageEnv,
  installImageFixture,
  lastLine,
  leakWatch,
  makeGoldenTree,
  makeRawDisk,
  makeZstdTarball,
  MiB,
  readHead,
  withImage,
  type ImageFixture,
} from '../integration/image-provider/fixture.js';

const DISK_MiB = 512;
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let fx: ImageFixture;
let srv: TestServer;
let gpgHome = '';
let tarball: Buffer;
let rawZst: Buffer;
/** Never served whole: the status and HTML cases pin its checksum (the cache is keyed by content). */
let unseen: Buffer;
/** Listed in the signed SHA256SUMS only. */
let signedTar: Buffer;

const gpg = (home: string, ...args: string[]): Buffer =>
  execFileSync(
    'gpg',
    ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );

beforeAll(async () => {
  if (!isRoot) return;
  srv = await startServer();
  fx = installImageFixture((f) => {
    const tree = join(f.work, 'golden');
    makeGoldenTree(tree);
    // Incompressible bytes, so the download is long enough to be cut half way.
    writeFileSync(join(tree, 'var', 'blob'), randomBytes(6 * MiB));
    makeZstdTarball(tree, join(f.work, 'golden.tar.zst'));
    makeRawDisk(tree, join(f.work, 'golden.raw'));
    execFileSync('zstd', ['-q', join(f.work, 'golden.raw'), '-o', join(f.work, 'golden.raw.zst')]);
    tarball = readFileSync(join(f.work, 'golden.tar.zst'));
    writeFileSync(join(tree, 'etc', 'image-marker'), 'unseen\n');
    makeZstdTarball(tree, join(f.work, 'unseen.tar.zst'));
    unseen = readFileSync(join(f.work, 'unseen.tar.zst'));
    writeFileSync(join(tree, 'etc', 'image-marker'), 'signed\n');
    makeZstdTarball(tree, join(f.work, 'signed.tar.zst'));
    signedTar = readFileSync(join(f.work, 'signed.tar.zst'));
    rawZst = readFileSync(join(f.work, 'golden.raw.zst'));

    // A signing key, the SHA256SUMS it signs, and a signature over other data.
    gpgHome = join(f.work, 'gpg');
    mkdirSync(join(gpgHome, 'signer'), { recursive: true, mode: 0o700 });
    gpg(
      join(gpgHome, 'signer'),
      '--quick-gen-key',
      'Image Signer <images@example.org>',
      'ed25519',
      'sign',
      'never',
    );
    writeFileSync(join(f.work, 'images.gpg'), gpg(join(gpgHome, 'signer'), '--export'));
    const sums = `${sha256(Buffer.from('unrelated'))}  other.img\n${sha256(signedTar)}  debian-12-amd64.tar.zst\n`;
    writeFileSync(join(gpgHome, 'SHA256SUMS'), sums);
    writeFileSync(join(gpgHome, 'forged'), `${sums}${sha256(Buffer.from('x'))}  evil.img\n`);
    for (const [what, out] of [
      ['SHA256SUMS', 'SHA256SUMS.gpg'],
      ['forged', 'forged.gpg'],
    ] as const)
      gpg(join(gpgHome, 'signer'), '--detach-sign', '-o', join(gpgHome, out), join(gpgHome, what));

    const base = srv.base;
    const v = (name: string, lines: string[]): void =>
      writeFileSync(
        join(f.configDir, 'variants', `${name}.yaml`),
        [...lines, 'bootloader: none', ''].join('\n'),
      );
    const tar = ['format: tarball'];
    v('mismatch', [`source: ${base}/img/golden.raw.zst`, `sha256: ${'ab'.repeat(32)}`]);
    v('resume', [`source: ${base}/drop/golden.tar.zst`, `sha256: ${sha256(tarball)}`, ...tar]);
    v('status', [`source: ${base}/gone/unseen.tar.zst`, `sha256: ${sha256(unseen)}`, ...tar]);
    v('html', [`source: ${base}/portal/unseen.tar.zst`, `sha256: ${sha256(unseen)}`, ...tar]);
    const signed = (sig: string): string[] => [
      `source: ${base}/cloud/debian-12-amd64.tar.zst`,
      `sums: ${base}/cloud/SHA256SUMS`,
      `sums-signature: ${base}/cloud/${sig}`,
      `keyring: ${join(f.work, 'images.gpg')}`,
      ...tar,
    ];
    v('signed', signed('SHA256SUMS.gpg'));
    v('badsig', signed('forged.gpg'));
    v('nosum', [`source: ${base}/img/golden.tar.zst`, ...tar]);
  });
  srv.route('/img/golden.raw.zst', serveFile(rawZst));
  srv.route('/img/golden.tar.zst', serveFile(tarball));
  // The first answer is cut after a third of the body; later ones honour Range.
  const whole = serveFile(tarball, { etag: '"golden-1"' });
  const cut = dropAfter(tarball, Math.floor(tarball.length / 3), '"golden-1"');
  srv.route('/drop/golden.tar.zst', (req, res, n) => (n === 1 ? cut(req, res, n) : whole(req, res, n)));
  srv.route('/gone/unseen.tar.zst', (_req, res) => {
    res.writeHead(503, { 'content-type': 'text/plain' }).end('maintenance\n');
  });
  srv.route('/portal/unseen.tar.zst', (_req, res) => {
    const page = '<!DOCTYPE html><html><head><title>Sign in</title></head><body>log in first</body></html>\n';
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': String(page.length) }).end(page);
  });
  srv.route('/cloud/debian-12-amd64.tar.zst', serveFile(signedTar));
  srv.route(
    '/cloud/SHA256SUMS',
    serveFile(readFileSync(join(gpgHome, 'SHA256SUMS')), { type: 'text/plain' }),
  );
  srv.route('/cloud/SHA256SUMS.gpg', serveFile(readFileSync(join(gpgHome, 'SHA256SUMS.gpg'))));
  srv.route('/cloud/forged.gpg', serveFile(readFileSync(join(gpgHome, 'forged.gpg'))));
}, 120_000);

afterAll(async () => {
  await srv?.close();
  if (gpgHome) {
    execFileSync('gpgconf', ['--homedir', join(gpgHome, 'signer'), '--kill', 'gpg-agent'], {
      stdio: 'ignore',
    });
    rmSync(gpgHome, { recursive: true, force: true });
  }
  fx?.dispose();
});

/** The image cache's files (complete entries, sidecars, partial downloads). */
function cached(): string[] {
  try {
    return readdirSync(join(fx.cacheDir, 'images'))
      .filter((n) => !n.endsWith('.lock'))
      .sort();
  } catch {
    return [];
  }
}

async function create(name: string, variant: string) {
  const disk = fx.newDisk(DISK_MiB * MiB, `${name}.img`).path;
  const watch = leakWatch(fx, [disk]);
  const before = cached();
  const r = await fx.run(
    'create',
    imageEnv({
      name,
      variant,
      disks: [{ path: disk, sizeMiB: DISK_MiB }],
      nics: [{ mac: 'aa:00:00:00:0d:01' }],
    }),
  );
  return { r, disk, leaks: watch.check(), before };
}

/** A refused create: non-zero, one error line with a hint last, nothing leaked, no new cache file. */
async function refused(name: string, variant: string, code: RegExp): Promise<{ last: string; disk: string }> {
  const { r, disk, leaks, before } = await create(name, variant);
  expect(r.code, r.stderr).not.toBe(0);
  const last = lastLine(r.stderr);
  expect(last).toMatch(code);
  expect(last).toMatch(/\(hint: .+\)$/);
  expect(leaks).toEqual([]);
  expect(cached()).toEqual(before);
  return { last, disk };
}

describe.skipIf(!isRoot)('image provider: URL images', () => {
  it('a SHA-256 that does not match is refused, and the disk is not touched', async () => {
    const { last, disk } = await refused('mismatch.example.org', 'mismatch', /^error\[E_FETCH_CHECKSUM\]: /);
    expect(last).toContain('golden.raw.zst');
    expect(readHead(disk, 4 * MiB).equals(Buffer.alloc(4 * MiB))).toBe(true);
  });

  it('a download cut half way is resumed with a Range request and deployed', async () => {
    const { r, disk, leaks } = await create('resume.example.org', 'resume');
    expect(r.code, r.stderr).toBe(0);
    expect(leaks).toEqual([]);
    const asks = srv.requests.filter((q) => q.path === '/drop/golden.tar.zst');
    expect(asks.length).toBeGreaterThanOrEqual(2);
    expect(asks[0]!.headers.range).toBeUndefined();
    const range = /^bytes=(\d+)-$/.exec(String(asks[1]!.headers.range));
    expect(range, JSON.stringify(asks[1]!.headers)).not.toBeNull();
    expect(Number(range![1])).toBeGreaterThan(0);
    expect(asks[1]!.headers['if-range']).toBe('"golden-1"');
    await withImage(disk, (g) => {
      expect(g.read('etc/image-marker')).toBe('golden\n');
      expect(g.read('etc/hostname').trim()).toBe('resume');
    });
    // The image is now in the cache: no partial download left.
    expect(cached().filter((n) => n.includes('partial'))).toEqual([]);
    expect(cached().filter((n) => n.endsWith('.image'))).toHaveLength(1);
  });

  it('an error status is refused', async () => {
    await refused('status.example.org', 'status', /^error\[E_FETCH_HTTP\]: .*503/);
  });

  it('an HTML page where the image should be is refused', async () => {
    await refused('html.example.org', 'html', /^error\[E_FETCH_HTML\]: /);
  });

  it('an image listed in a SHA256SUMS with a good signature is deployed', async () => {
    const { r, disk, leaks } = await create('signed.example.org', 'signed');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/SHA256SUMS: good signature/);
    expect(r.stderr).toMatch(/debian-12-amd64\.tar\.zst: fetched/);
    expect(leaks).toEqual([]);
    await withImage(disk, (g) => {
      expect(g.read('etc/image-marker')).toBe('signed\n');
      expect(g.read('etc/hostname').trim()).toBe('signed');
    });
  });

  it('a bad signature of the SHA256SUMS is refused', async () => {
    const n = srv.count('/cloud/debian-12-amd64.tar.zst');
    await refused('badsig.example.org', 'badsig', /^error\[E_FETCH_SIGNATURE\]: .*BAD signature/);
    expect(srv.count('/cloud/debian-12-amd64.tar.zst')).toBe(n);
  });

  it('a URL source without a checksum is refused before anything is fetched', async () => {
    const n = srv.count('/img/golden.tar.zst');
    await refused('nosum.example.org', 'nosum', /^error\[E_FETCH_NO_CHECKSUM\]: /);
    expect(srv.count('/img/golden.tar.zst')).toBe(n);
  });
});
