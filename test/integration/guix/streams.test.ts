/**
 * guix export, import and rename (the installs made with a STAND-IN guix) on real loop files: the
 * export round trip keeps the root filesystem's UUID and label (the installed system names them),
 * brings back the btrfs subvolumes and the ESP (its volume ID too), writes GRUB's BIOS core while
 * keeping guix's own grub.cfg and follows the importing instance in the instance data; rename
 * rewrites the instance data and the host name file; `ganeti-os cache prune` drops the GC root of
 * an instance whose disk is gone. Nothing leaks.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot } from '../../helpers/disk.js';
import { ganetiOs } from '../debootstrap/fixture.js';
import {
  guixEnv,
  installGuixFixture,
  leakWatch,
  MiB,
  readHead,
  runToFile,
  sfdiskJson,
  standinVariants,
  TEST_CONFIG,
  withImage,
  type GuixFixture,
} from './fixture.js';

const ADMIN_LIBRARY = ";; the admin's ganeti-os library\n(define ganeti-admin-library #t)\n";

let fx: GuixFixture;

beforeAll(() => {
  if (!isRoot) return;
  // The admin's library replaces the shipped one.
  fx = installGuixFixture((f) => standinVariants(f, { 'lib/ganeti-os.scm': ADMIN_LIBRARY }));
});
afterAll(() => fx?.dispose());

const SIZE = 1536;
const NIC = { mac: 'aa:00:00:00:00:01' };
const NIC2 = {
  mac: 'aa:00:00:00:00:02',
  ip: '198.51.100.7',
  subnet: '198.51.100.0/24',
  gateway: '198.51.100.1',
};

const env = (name: string, variant: string, disk: string, nic = NIC, extra: Record<string, string> = {}) =>
  guixEnv({ name, variant, disks: [{ path: disk, sizeMiB: SIZE }], nics: [nic], extra });

async function created(name: string, variant: string): Promise<string> {
  const disk = fx.newDisk(SIZE * MiB, `${name}.img`).path;
  const r = await fx.run('create', env(name, variant, disk));
  expect(r.code, r.stderr).toBe(0);
  return disk;
}

/** Export disk 0 of `disk`, import it into a new disk as instance `name`; returns the new disk. */
async function roundTrip(disk: string, variant: string, name: string): Promise<string> {
  const stream = join(fx.work, `${name}.stream`);
  const out = await runToFile(
    fx,
    'export',
    { ...env('src', variant, disk), EXPORT_DEVICE: disk, EXPORT_INDEX: '0' },
    stream,
  );
  expect(out.code, out.stderr).toBe(0);
  const target = fx.newDisk(SIZE * MiB, `${name}.img`).path;
  const watch = leakWatch(fx, [target]);
  const r = await fx.run(
    'import',
    { ...env(name, variant, target, NIC2), IMPORT_DEVICE: target, IMPORT_INDEX: '0' },
    { stdinFile: stream },
  );
  expect(r.code, r.stderr).toBe(0);
  expect(watch.check()).toEqual([]);
  rmSync(stream);
  return target;
}

const rootOf = (disk: string, type: string) =>
  withImage(disk, (g) => {
    const f = g.filesystems.find((x) => x.TYPE === type)!;
    return { uuid: f.UUID, label: f.LABEL, device: f.device };
  });

describe.skipIf(!isRoot)('guix provider with a stand-in guix: export, import, rename', () => {
  it('ext4: import keeps the root UUID and label, guix grub.cfg, writes the BIOS core, follows the new NICs', async () => {
    const disk = await created('exp1', 'ext4');
    // A label the installed system could name (guix configurations may use file-system-label).
    const loop = execFileSync('losetup', ['-f', '--show', '-P', disk], { encoding: 'utf8' }).trim();
    try {
      execFileSync('partx', ['-u', loop]);
      execFileSync('e2label', [`${loop}p3`, 'guix-root']);
    } finally {
      execFileSync('partx', ['-d', loop]);
      execFileSync('losetup', ['-d', loop]);
    }
    const before = await rootOf(disk, 'ext4');
    expect(before.label).toBe('guix-root');
    const grubBefore = await withImage(disk, (g) => g.read('boot/grub/grub.cfg'));
    const target = await roundTrip(disk, 'ext4', 'imp1');
    const after = await rootOf(target, 'ext4');
    expect(after).toMatchObject({ uuid: before.uuid, label: 'guix-root' });
    await withImage(target, (g) => {
      expect(g.read('boot/grub/grub.cfg')).toBe(grubBefore);
      expect(g.exists('boot/grub/i386-pc/core.img')).toBe(true);
      const data = g.read('etc/ganeti-os/instance-data.scm');
      expect(data).toContain('(define ganeti-host-name "imp1")');
      expect(data).toContain(`(define ganeti-root-uuid "${before.uuid}")`);
      expect(data).toContain('"198.51.100.7"');
      expect(g.read('etc/ganeti-os/config.scm')).toBe(TEST_CONFIG);
      expect(g.read('etc/ganeti-os/ganeti-os.scm')).toBe(ADMIN_LIBRARY);
    });
    // GRUB's boot code in the MBR, its core image in the BIOS boot partition.
    expect(readHead(target, 512).includes(Buffer.from('GRUB'))).toBe(true);
  });

  it('btrfs subvolumes come back as subvolumes with the same filesystem UUID', async () => {
    const disk = await created('exp2', 'btrfs');
    const before = await rootOf(disk, 'btrfs');
    const target = await roundTrip(disk, 'btrfs', 'imp2');
    expect((await rootOf(target, 'btrfs')).uuid).toBe(before.uuid);
    await withImage(target, (g) => {
      const list = execFileSync('btrfs', ['subvolume', 'list', g.root], { encoding: 'utf8' });
      expect(list).toMatch(/ path @\n/);
      expect(list).toMatch(/ path @home\n/);
      expect(readdirSync(g.root).sort()).toEqual(['@', '@home']);
      expect(g.read('@/etc/ganeti-os/instance-data.scm')).toContain(
        '(define ganeti-layout "btrfs-subvolumes")',
      );
      expect(g.exists('@/var/guix/standin-init.json')).toBe(true);
    });
  });

  it('uefi: the new ESP has the old volume ID and the EFI files', async () => {
    const disk = await created('exp3', 'uefi');
    const esp = (d: string) => withImage(d, (g) => g.filesystems.find((f) => f.TYPE === 'vfat')!.UUID);
    const before = await esp(disk);
    const target = await roundTrip(disk, 'uefi', 'imp3');
    expect(await esp(target)).toBe(before);
    const part = sfdiskJson(target)!.partitions[1]!;
    const dir = execFileSync('mdir', ['-b', '-/', '-i', `${target}@@${part.start * 512}`, '::/EFI'], {
      encoding: 'utf8',
      env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
    });
    expect(dir).toMatch(/::\/EFI\/Guix\/grubx64\.efi/i);
  });

  it('rename rewrites the instance data and the host name file in the guest', async () => {
    const disk = await created('old1.example.org', 'ext4');
    const watch = leakWatch(fx, [disk]);
    const r = await fx.run('rename', {
      ...env('new1.example.org', 'ext4', disk),
      OLD_INSTANCE_NAME: 'old1.example.org',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(watch.check()).toEqual([]);
    await withImage(disk, (g) => {
      expect(g.read('etc/ganeti-os/hostname')).toBe('new1\n');
      expect(g.read('etc/ganeti-os/ganeti-os.scm')).toBe(ADMIN_LIBRARY);
      const data = g.read('etc/ganeti-os/instance-data.scm');
      expect(data).toContain('(define ganeti-host-name "new1")');
      expect(data).toContain('(define ganeti-fqdn "new1.example.org")');
      expect(data).toContain(
        `(define ganeti-root-uuid "${g.filesystems.find((f) => f.TYPE === 'ext4')!.UUID}")`,
      );
    });
  });

  it('ganeti-os cache prune drops the GC root of an instance whose disk is gone', async () => {
    const disk = await created('gone1', 'ext4');
    const root = join(fx.gcRoots, 'gone1');
    expect(existsSync(root)).toBe(true);
    rmSync(disk);
    const r = ganetiOs(['cache', 'prune', 'guix', '--os-dir', fx.osDir, '--older-than', 'never', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('gcroot gone1');
    expect(existsSync(root)).toBe(false);
    expect(existsSync(join(fx.cacheDir, 'gcroots', 'gone1.json'))).toBe(false);
    // The others are kept.
    expect(existsSync(join(fx.gcRoots, 'exp1'))).toBe(true);
  });
});
