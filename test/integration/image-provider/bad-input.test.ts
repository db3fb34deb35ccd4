/**
 * image provider create with bad input: each failure ends with one clear line
 * `error[CODE]: message (hint: ...)`, exits non-zero and leaks nothing; those found before the disk
 * is written leave its bytes as they were. A tarball whose members try to leave the root writes
 * nothing outside the target.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot } from '../../helpers/disk.js';
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
  type ImageFixture,
} from './fixture.js';

let fx: ImageFixture;
let outside = '';

/** A tar with a `..` member, an absolute member, and a link out of the root followed by a file through it. */
function escapingTarball(dir: string, out: string): void {
  const py = `
import io, tarfile, sys
out, outside = sys.argv[1], sys.argv[2]
with tarfile.open(out, 'w') as t:
    def add(name, data=b'x'):
        i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
    add('./etc/os-release', b'ID=debian\\n')
    l = tarfile.TarInfo('./evil'); l.type = tarfile.SYMTYPE; l.linkname = outside; t.addfile(l)
    add('./evil/through-link')
    add(outside + '/absolute')
    add('../' * 12 + outside.lstrip('/') + '/dotdot')
`;
  execFileSync('python3', ['-c', py, out, dir]);
}

beforeAll(() => {
  if (!isRoot) return;
  fx = installImageFixture((f) => {
    const golden = join(f.work, 'golden');
    makeGoldenTree(golden);
    makeZstdTarball(golden, join(f.images, 'golden.tar.zst'));
    makeRawDisk(golden, join(f.images, 'big.raw'), 96);
    makeRawDisk(golden, join(f.images, 'small.raw'), 48);
    outside = join(f.work, 'outside');
    execFileSync('mkdir', ['-p', outside]);
    escapingTarball(outside, join(f.images, 'evil.tar'));
    const v = (name: string, text: string): void =>
      writeFileSync(join(f.configDir, 'variants', `${name}.yaml`), text);
    const dir = `image-dir: ${f.images}\nbootloader: none\n`;
    v('missing', `source: nosuch.qcow2\n${dir}`);
    v('mismatch', `source: golden.tar.zst\nformat: qcow2\n${dir}`);
    v('big', `source: big.raw\n${dir}`);
    v('evil', `source: evil.tar\n${dir}`);
    v('held', `source: small.raw\n${dir}`);
    v('nosum', `source: http://127.0.0.1:9/golden.qcow2\n${dir}`);
  });
});

afterAll(() => fx?.dispose());

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function patternedDisk(name: string, size = 256 * MiB): { path: string; hash: () => string } {
  const d = fx.newDisk(size, name);
  const fd = openSync(d.path, 'r+');
  writeSync(fd, randomBytes(MiB), 0, MiB, 0);
  writeSync(fd, randomBytes(MiB), 0, MiB, size - MiB);
  closeSync(fd);
  return {
    path: d.path,
    hash: () => sha(Buffer.concat([readHead(d.path, MiB), readHead(d.path, MiB, size - MiB)])),
  };
}

async function createFails(variant: string, size?: number, untouched = true): Promise<string> {
  const disk = patternedDisk(`${variant}.img`, size);
  const before = disk.hash();
  const watch = leakWatch(fx, [disk.path]);
  const sizeMiB = (size ?? 256 * MiB) / MiB;
  const r = await fx.run(
    'create',
    imageEnv({ name: `${variant}.example.org`, variant, disks: [{ path: disk.path, sizeMiB }] }),
  );
  expect(r.code).not.toBe(0);
  const line = lastLine(r.stderr);
  expect(line).toMatch(/^error\[E_[A-Z_0-9]+\]: .+ \(hint: .+\)$/);
  expect(watch.check()).toEqual([]);
  if (untouched) expect(disk.hash()).toBe(before);
  return line;
}

describe.skipIf(!isRoot)('image provider create with bad input', () => {
  it('a missing image: E_IMAGE_MISSING, disk untouched', async () => {
    expect(await createFails('missing')).toMatch(
      /^error\[E_IMAGE_MISSING\]: image .*nosuch\.qcow2 does not exist/,
    );
  });

  it('a declared format the content contradicts: E_IMAGE_FORMAT, disk untouched', async () => {
    expect(await createFails('mismatch')).toMatch(/^error\[E_IMAGE_FORMAT\]: /);
  });

  it('an image larger than the disk: refused, disk untouched', async () => {
    expect(await createFails('big', 64 * MiB)).toMatch(/^error\[E_IMAGE_TOO_LARGE\]: /);
  });

  it('a URL source without a checksum: E_FETCH_NO_CHECKSUM, disk untouched', async () => {
    expect(await createFails('nosum')).toMatch(
      /^error\[E_FETCH_NO_CHECKSUM\]: variant nosum: .* has no checksum/,
    );
  });

  it('a disk image onto a disk in use (attached to a loop device elsewhere): refused before a byte is written', async () => {
    const disk = patternedDisk('held.img');
    const before = disk.hash();
    const loop = execFileSync('losetup', ['--show', '-f', disk.path], { encoding: 'utf8' }).trim();
    try {
      const r = await fx.run(
        'create',
        imageEnv({ name: 'held.example.org', variant: 'held', disks: [{ path: disk.path, sizeMiB: 256 }] }),
      );
      expect(r.code).not.toBe(0);
      expect(lastLine(r.stderr)).toMatch(/^error\[E_DISK_(IN_USE|BUSY)\]: .+ \(hint: .+\)$/);
    } finally {
      execFileSync('losetup', ['-d', loop]);
    }
    expect(disk.hash()).toBe(before);
  });

  it('tar members escaping the root write nothing outside the target', async () => {
    await createFails('evil', undefined, false);
    expect(existsSync(join(outside, 'through-link'))).toBe(false);
    expect(existsSync(join(outside, 'absolute'))).toBe(false);
    expect(existsSync(join(outside, 'dotdot'))).toBe(false);
  });
});
