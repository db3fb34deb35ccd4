/**
 * debootstrap create with bad input: each failure ends with one clear line
 * `error[CODE]: message (hint: ...)`, exits non-zero, leaks nothing, and leaves the disk's bytes as
 * they were when it fails before partitioning.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot } from '../../helpers/disk.js';
import {
  fileSize,
  installFixture,
  instanceEnv,
  lastLine,
  leakWatch,
  MiB,
  readHead,
  TEST_VARIANTS,
  type EnvSpec,
  type Fixture,
} from './fixture.js';

let fx: Fixture;
/** A private cache root: the unreachable-mirror variant must not touch the shared cache. */
let cacheRoot: string;

beforeAll(() => {
  cacheRoot = join(process.env.TMPDIR ?? '/tmp', `gos-deb-bad-cache-${process.pid}`);
  fx = installFixture({
    tag: 'bad',
    cacheRoot,
    variants: {
      ...TEST_VARIANTS,
      gone: 'extend: full\n',
      offline: [
        'extend: full',
        'mirror: http://127.0.0.1:9/debian',
        'generate-cache: true',
        'debootstrap-variant: minbase',
        'kernel: none',
        'bootloader: none',
        'extra-pkgs: []',
        'partition-style: none',
        '',
      ].join('\n'),
    },
  });
  // Published at install time, then its file is removed: an admin's mistake on this node.
  rmSync(join(fx.configDir, 'variants', 'gone.yaml'));
  writeFileSync(
    join(fx.configDir, 'variants', 'badval.yaml'),
    '# a typo on line 3\nextend: full\npartition-style: zigzag\n',
  );
});

afterAll(() => {
  fx?.dispose();
  if (cacheRoot) rmSync(cacheRoot, { recursive: true, force: true });
});

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A 1 GiB disk file with random bytes at its start and end, and their hash. */
function patternedDisk(name: string, size = 1024 * MiB): { path: string; hash: () => string } {
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

interface Failure {
  line: string;
  stderr: string;
}

async function createFails(
  spec: Omit<EnvSpec, 'disks'>,
  disk: { path: string; hash: () => string },
  o: { untouched?: boolean } = { untouched: true },
): Promise<Failure> {
  const before = disk.hash();
  const watch = leakWatch(fx, [disk.path]);
  const r = await fx.run(
    'create',
    instanceEnv({ ...spec, disks: [{ path: disk.path, sizeMiB: Math.floor(fileSize(disk.path) / MiB) }] }),
  );
  expect(r.code).not.toBe(0);
  const line = lastLine(r.stderr);
  expect(line).toMatch(/^error\[E_[A-Z_]+\]: .+ \(hint: .+\)$/);
  expect(watch.check()).toEqual([]);
  if (o.untouched) expect(disk.hash()).toBe(before);
  return { line, stderr: r.stderr };
}

describe.skipIf(!isRoot)('debootstrap create with bad input', () => {
  it('a published variant whose file is gone: E_VARIANT_MISSING, disk untouched', async () => {
    expect(readFileSync(join(fx.scripts, 'variants.list'), 'utf8').split('\n')).toContain('gone');
    const f = await createFails({ name: 'bad1', variant: 'gone' }, patternedDisk('gone.img'));
    expect(f.line).toMatch(
      /^error\[E_VARIANT_MISSING\]: published variant gone has no configuration file on this node \(hint: create .*instance-debootstrap\/variants\/gone\.yaml/,
    );
  });

  it('a variant that was never published: E_VARIANT_UNKNOWN listing the published ones', async () => {
    const f = await createFails({ name: 'bad2', variant: 'nosuch' }, patternedDisk('nosuch.img'));
    expect(f.line).toMatch(
      /^error\[E_VARIANT_UNKNOWN\]: variant nosuch is not published by debootstrap \(hint: choose one of: .*full.*\)$/,
    );
  });

  it('a bad value in a variant file names the file and the line', async () => {
    const f = await createFails({ name: 'bad3', variant: 'badval' }, patternedDisk('badval.img'));
    expect(f.line).toMatch(/^error\[E_[A-Z_]+\]: .*variants\/badval\.yaml:3\b.*partition-style.*zigzag/);
  });

  it('a disk too small for the layout fails before the disk is touched', async () => {
    const f = await createFails({ name: 'bad4', variant: 'full' }, patternedDisk('small.img', 200 * MiB));
    expect(f.line).toMatch(
      /^error\[E_DISK_TOO_SMALL\]: disk of 200 MiB .*at least 256 MiB needed \(hint: grow the disk to at least \d+ MiB/,
    );
  });

  it('a bad OS parameter: verify rejects it, and create fails before the disk is touched', async () => {
    const v = await fx.run(
      'verify',
      { OS_API_VERSION: '20', OS_NAME: 'debootstrap', OS_VARIANT: 'full', OSP_FILESYSTEM: 'vfat' },
      { args: ['parameters'] },
    );
    expect(v.code).toBe(1);
    expect(lastLine(v.stderr)).toBe(
      'error[E_PARAM]: OS parameter filesystem must be one of ext2, ext3, ext4, xfs, btrfs (hint: accepted: one of ext2, ext3, ext4, xfs, btrfs; see parameters.list)',
    );
    const ok = await fx.run(
      'verify',
      { OS_API_VERSION: '20', OS_NAME: 'debootstrap', OS_VARIANT: 'full', OSP_FILESYSTEM: 'xfs' },
      { args: ['parameters'] },
    );
    expect(ok.code, ok.stderr).toBe(0);
    const f = await createFails(
      { name: 'bad5', variant: 'full', params: { filesystem: 'vfat' } },
      patternedDisk('param.img'),
    );
    expect(f.line).toMatch(/^error\[E_PARAM\]/);
  });

  it('an unreachable mirror with a cold cache: E_BOOTSTRAP naming the mirror, no cache entry left', async () => {
    const f = await createFails({ name: 'bad6', variant: 'offline' }, patternedDisk('offline.img'), {
      untouched: false,
    });
    expect(f.line).toMatch(
      /^error\[E_BOOTSTRAP\]: mmdebstrap could not bootstrap bookworm from http:\/\/127\.0\.0\.1:9\/debian \(exit \d+\): E: Failed to fetch .*Connection refused.* \(hint: check that http:\/\/127\.0\.0\.1:9\/debian is reachable from this node/,
    );
    const left = readdirSafe(fx.cacheDir).filter((n) => !n.endsWith('.lock'));
    expect(left).toEqual([]);
  });
});

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
