/**
 * The image provider's disk formats through the installed scripts: raw, zstd-compressed raw and
 * qcow2 images of a partitioned golden disk, deployed onto a larger disk. The last partition and
 * its ext4 fill the disk; the clone has its own hostname, machine-id and ssh host keys, and the
 * image's own fstab (by UUID) is kept. A nomount variant writes the bytes and nothing else.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot } from '../../helpers/disk.js';
import { sfdiskJson } from '../debootstrap/image.js';
import {
  GOLDEN_HOST_KEY,
  GOLDEN_MACHINE_ID,
  GOLDEN_UUID,
  imageEnv,
  installImageFixture,
  leakWatch,
  makeGoldenTree,
  makeQcow2,
  makeRawDisk,
  MiB,
  readHead,
  withImage,
  type ImageFixture,
} from './fixture.js';

let fx: ImageFixture;
const DISK_MiB = 256;

beforeAll(() => {
  if (!isRoot) return;
  fx = installImageFixture((f) => {
    const golden = join(f.work, 'golden');
    makeGoldenTree(golden);
    const raw = join(f.images, 'golden.raw');
    makeRawDisk(golden, raw);
    makeQcow2(raw, join(f.images, 'golden.qcow2'));
    execFileSync('zstd', ['-q', raw, '-o', join(f.images, 'golden.raw.zst')]);
    const v = (name: string, text: string): void =>
      writeFileSync(join(f.configDir, 'variants', `${name}.yaml`), text);
    v('raw', `source: golden.raw\nimage-dir: ${f.images}\n`);
    v('qcow2', `source: golden.qcow2\nformat: qcow2\nimage-dir: ${f.images}\n`);
    v('durable', `source: golden.qcow2\ndisk-sync: durable\nimage-dir: ${f.images}\n`);
    v('rawzst', `source: golden.raw.zst\nimage-dir: ${f.images}\n`);
    v('opaque', `source: golden.raw\nimage-dir: ${f.images}\nnomount: true\n`);
  });
});

afterAll(() => fx?.dispose());

/** The OS log (debug level) of the last create. */
let lastLog = '';

async function create(name: string, variant: string): Promise<string> {
  const disk = fx.newDisk(DISK_MiB * MiB, `${name}.img`);
  const watch = leakWatch(fx, [disk.path]);
  const r = await fx.run('create', {
    ...imageEnv({
      name,
      variant,
      disks: [{ path: disk.path, sizeMiB: DISK_MiB }],
      nics: [{ mac: 'aa:00:00:00:00:07' }],
    }),
    DEBUG_LEVEL: '1',
  });
  expect(r.code, r.stderr).toBe(0);
  expect(watch.check()).toEqual([]);
  lastLog = r.stderr;
  return disk.path;
}

function ext4Blocks(device: string): number {
  const out = execFileSync('dumpe2fs', ['-h', device], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const count = Number(/^Block count:\s+(\d+)/m.exec(out)![1]);
  const size = Number(/^Block size:\s+(\d+)/m.exec(out)![1]);
  return count * size;
}

async function expectGrownClone(disk: string, name: string): Promise<void> {
  const table = sfdiskJson(disk)!;
  expect(table.label).toBe('dos');
  const last = table.partitions.at(-1)!;
  // The partition reaches (about) the end of the larger disk.
  expect((last.start + last.size) * 512).toBeGreaterThan((DISK_MiB - 2) * MiB);
  await withImage(disk, (g) => {
    const root = g.filesystems.find((f) => f.TYPE === 'ext4')!;
    expect(root.UUID).toBe(GOLDEN_UUID);
    expect(ext4Blocks(root.device)).toBeGreaterThan((DISK_MiB - 8) * MiB);
    expect(g.read('etc/hostname').trim()).toBe(name.split('.')[0]);
    expect(g.read('etc/machine-id').trim()).not.toBe(GOLDEN_MACHINE_ID);
    expect(g.read('etc/ssh/ssh_host_ed25519_key')).not.toBe(GOLDEN_HOST_KEY);
    // The image's fstab (by UUID) is kept; its root password too.
    expect(g.read('etc/fstab')).toContain(`UUID=${GOLDEN_UUID} / ext4`);
    expect(g.read('etc/shadow')).toMatch(/^root:\$6\$golden\$hash:/);
    expect(g.exists('etc/network/interfaces.d/nic0')).toBe(true);
  });
}

describe.skipIf(!isRoot)('image provider: disk images', () => {
  it('raw: written, grown to the disk, configured', async () => {
    const disk = await create('raw1.example.org', 'raw');
    // disk-sync: writeback (the default): nothing flushes the copy, the kernel writes it back.
    expect(lastLog).not.toMatch(/cleanup: flush /);
    expect(lastLog).toMatch(/\$ partx -a /);
    await expectGrownClone(disk, 'raw1.example.org');
  });

  it('disk-sync: durable flushes the disk once, after the last unmount', async () => {
    const disk = await create('durable1.example.org', 'durable');
    const lines = lastLog.split('\n');
    const flush = lines.findIndex((l) => l.includes(`cleanup: flush ${disk}`));
    const umount = lines.findIndex((l) => /cleanup: umount /.test(l));
    expect(flush, lastLog).toBeGreaterThan(umount);
    expect(umount).toBeGreaterThan(-1);
    expect(lines.filter((l) => /cleanup: flush /.test(l))).toHaveLength(1);
    await expectGrownClone(disk, 'durable1.example.org');
  });

  it('qcow2 (declared): the same', async () => {
    await expectGrownClone(await create('qcow1.example.org', 'qcow2'), 'qcow1.example.org');
  });

  it('zstd-compressed raw: decompressed onto the disk', async () => {
    await expectGrownClone(await create('zst1.example.org', 'rawzst'), 'zst1.example.org');
  });

  it('nomount: only the bytes (nothing grown or configured)', async () => {
    const disk = await create('win1.example.org', 'opaque');
    const golden = join(fx.images, 'golden.raw');
    expect(readHead(disk, MiB * 4).equals(readHead(golden, MiB * 4))).toBe(true);
    const last = sfdiskJson(disk)!.partitions.at(-1)!;
    expect((last.start + last.size) * 512).toBeLessThanOrEqual(48 * MiB);
    await withImage(disk, (g) => expect(g.read('etc/hostname')).toBe('golden\n'));
  });
});
