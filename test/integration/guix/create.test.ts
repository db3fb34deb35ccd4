/**
 * guix create with a STAND-IN guix on real loop files: the variants (a `.scm` alone published, YAML
 * variants naming it), the layouts (plain ext4, xfs with part_size and swap, btrfs subvolumes, uefi
 * with the ESP written by mtools), the guix argument vectors and their clean environment, the
 * instance data in the guest, one GC root per instance replaced on reinstall and listed by
 * `ganeti-os cache`, a failing guix ending with one line, a private passphrase never shown (the
 * encrypted root itself: luks.test.ts), and SIGTERM in the middle of `guix system init`; nothing
 * leaks.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot } from '../../helpers/disk.js';
import { ganetiOs } from '../debootstrap/fixture.js';
import {
  guixEnv,
  installGuixFixture,
  lastLine,
  leakWatch,
  MiB,
  sfdiskJson,
  SHIPPED_LIBRARY,
  standinVariants,
  TEST_CONFIG,
  withImage,
  type GuixFixture,
} from './fixture.js';

let fx: GuixFixture;

beforeAll(() => {
  if (!isRoot) return;
  // default.scm alone is a variant (it would run the guix on PATH: only listed here).
  fx = installGuixFixture((f) =>
    standinVariants(f, { 'xfs.yaml': 'extend: ext4\nfilesystem: xfs\nswap: 64M\npart-size: 900M\n' }),
  );
});
afterAll(() => fx?.dispose());

const NICS = [
  { mac: 'aa:00:00:12:34:56', ip: '192.0.2.10', subnet: '192.0.2.0/24', gateway: '192.0.2.1' },
  { mac: 'aa:00:00:12:34:57' },
];
const SECRET = 'correct-horse-battery-staple-secret';

async function create(
  name: string,
  variant: string,
  params: Record<string, string> = {},
  o: { disk?: string; sizeMiB?: number; extra?: Record<string, string> } = {},
): Promise<{ disk: string; stderr: string; code: number | null }> {
  const sizeMiB = o.sizeMiB ?? 1536;
  const disk = o.disk ?? fx.newDisk(sizeMiB * MiB, `${name}.img`).path;
  const watch = leakWatch(fx, [disk]);
  const r = await fx.run(
    'create',
    guixEnv({
      name,
      variant,
      disks: [{ path: disk, sizeMiB }],
      nics: NICS,
      params,
      ...(o.extra ? { extra: o.extra } : {}),
    }),
  );
  expect(watch.check()).toEqual([]);
  return { disk, stderr: r.stderr, code: r.code };
}

/** The guix commands of the stand-in's log, each without its executable. */
const commands = () => fx.calls().map((c) => c.argv);

describe.skipIf(!isRoot)('guix provider with a stand-in guix: create', () => {
  it('publishes a .scm alone and the YAML variants', () => {
    const list = readFileSync(join(fx.scripts, 'variants.list'), 'utf8').trim().split('\n');
    // default.scm alone is the default variant; the shipped ones are published too.
    expect(list[0]).toBe('default');
    expect(list).toEqual(expect.arrayContaining(['btrfs', 'ext4', 'uefi', 'xfs']));
    // The shipped library (lib/ganeti-os.scm) is not a variant.
    expect(list).not.toContain('ganeti-os');
  });

  it('ext4: build with a GC root, then init into the mounted root; argument vectors, clean environment, instance data', async () => {
    fx.clearCalls();
    const { disk, code, stderr } = await create('web1.example.org', 'ext4', { commit: 'abc1234' });
    expect(code, stderr).toBe(0);
    const calls = fx.calls();
    expect(calls).toHaveLength(2);
    const [build, init] = commands();
    const tm = ['time-machine', '--commit=abc1234', '--no-substitutes', '--'];
    expect(build!.slice(0, 7)).toEqual([...tm, 'system', 'build', '--no-substitutes']);
    expect(build![7]).toBe(`--root=${join(fx.gcRoots, 'web1.example.org')}`);
    expect(build![8]).toMatch(/\/ganeti-os-guix-[^/]+\/config\.scm$/);
    expect(init!.slice(0, 7)).toEqual([...tm, 'system', 'init', '--no-substitutes']);
    expect(init![7]).toBe(build![8]);
    expect(init![8]).toMatch(/^\/\S+$/);
    for (const c of calls) {
      expect(c.env.XDG_CACHE_HOME).toBe(join(fx.cacheDir, 'xdg'));
      expect(c.env.GANETI_OS_INSTANCE_DATA).toMatch(/\/ganeti-os-guix-[^/]+\/instance-data\.scm$/);
      // The library beside it, in the same private directory.
      expect(c.env.GANETI_OS_LIBRARY).toBe(join(dirname(c.env.GANETI_OS_INSTANCE_DATA!), 'ganeti-os.scm'));
      expect(Object.keys(c.env).filter((k) => k.startsWith('OSP_') || k.startsWith('INSTANCE_'))).toEqual([]);
    }
    await withImage(disk, (g) => {
      const data = g.read('etc/ganeti-os/instance-data.scm');
      const root = g.filesystems.find((f) => f.TYPE === 'ext4')!;
      expect(data).toContain('(define ganeti-host-name "web1")');
      expect(data).toContain(`(define ganeti-root-uuid "${root.UUID}")`);
      expect(data).toContain('(define ganeti-firmware "bios")');
      // The guest's copy names its own disk, not the node's loop device.
      expect(data).toContain('(define ganeti-bootloader-targets (list "/dev/vda"))');
      expect(data).toContain('"192.0.2.10"');
      expect(g.read('etc/ganeti-os/config.scm')).toBe(TEST_CONFIG);
      // No admin copy: the shipped library, where the configuration loads it in the guest.
      expect(g.read('etc/ganeti-os/ganeti-os.scm')).toBe(SHIPPED_LIBRARY);
      expect(g.read('etc/ganeti-os/hostname')).toBe('web1\n');
      expect(g.read('boot/grub/grub.cfg')).toContain(`search --fs-uuid --set ${root.UUID}`);
      expect(readlinkSync(join(g.root, 'var/guix/profiles/system'))).toBe('system-1-link');
      // No shared guest step wrote into Guix's /etc.
      expect(g.exists('etc/fstab')).toBe(false);
      expect(g.exists('etc/hostname')).toBe(false);
    });
    // The node's copy (install time) named the node's device for GRUB; it is gone with its temp dir.
    expect(readdirSync(fx.tmp)).toEqual([]);
    const table = sfdiskJson(disk)!;
    expect(table.label).toBe('gpt');
    expect(table.partitions.map((p) => p.type)).toEqual([
      '21686148-6449-6E6F-744E-656564454649',
      'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
      '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
    ]);
  });

  it('one GC root per instance: recorded, replaced on reinstall, listed by ganeti-os cache', async () => {
    const root = join(fx.gcRoots, 'gc1.example.org');
    const { disk, code, stderr } = await create('gc1.example.org', 'ext4');
    expect(code, stderr).toBe(0);
    const first = readlinkSync(root);
    const r = await create('gc1.example.org', 'ext4', {}, { disk, extra: { INSTANCE_REINSTALL: '1' } });
    expect(r.code, r.stderr).toBe(0);
    const second = readlinkSync(root);
    expect(second).not.toBe(first); // a new root filesystem UUID: another system
    expect(readdirSync(fx.gcRoots).filter((n) => n.startsWith('gc1.'))).toEqual(['gc1.example.org']);
    const record = JSON.parse(readFileSync(join(fx.cacheDir, 'gcroots', 'gc1.example.org.json'), 'utf8')) as {
      root: string;
      disk: string;
      system: string;
    };
    expect(record).toMatchObject({ root, disk });
    expect(record.system).toMatch(/^\/gnu\/store\/[0-9a-f]{32}-system$/);
    const list = ganetiOs(['cache', 'list', 'guix', '--os-dir', fx.osDir, '--json']);
    expect(list.code, list.stderr).toBe(0);
    const entries = JSON.parse(list.stdout) as { kind: string; name: string; status: string; path: string }[];
    expect(entries).toContainEqual(
      expect.objectContaining({ kind: 'gcroot', name: 'gc1.example.org', status: 'ok', path: root }),
    );
  });

  it('xfs: part_size ends the root partition, swap before it', async () => {
    const { disk, code, stderr } = await create('xfs1', 'xfs', { part_size: '700M' });
    expect(code, stderr).toBe(0);
    const parts = sfdiskJson(disk)!.partitions;
    expect(parts.map((p) => p.type)).toEqual([
      '21686148-6449-6E6F-744E-656564454649',
      'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
      '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F',
      '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
    ]);
    expect((parts[3]!.size * 512) / MiB).toBe(700);
    expect((parts[2]!.size * 512) / MiB).toBe(64);
    await withImage(disk, (g) => {
      const swap = g.filesystems.find((f) => f.TYPE === 'swap')!;
      expect(g.filesystems.find((f) => f.TYPE === 'xfs')).toBeDefined();
      expect(g.read('etc/ganeti-os/instance-data.scm')).toContain(`(define ganeti-swap-uuid "${swap.UUID}")`);
    });
  });

  it('btrfs-subvolumes: @ holds the system, @home is its own subvolume', async () => {
    const { disk, code, stderr } = await create('btr1', 'btrfs');
    expect(code, stderr).toBe(0);
    await withImage(disk, (g) => {
      const list = execFileSync('btrfs', ['subvolume', 'list', g.root], { encoding: 'utf8' });
      expect(list).toMatch(/ path @\n/);
      expect(list).toMatch(/ path @home\n/);
      const data = g.read('@/etc/ganeti-os/instance-data.scm');
      expect(data).toContain('(define ganeti-layout "btrfs-subvolumes")');
      expect(data).toContain('(define ganeti-root-subvolume "@")');
      expect(g.exists('@/var/guix/standin-init.json')).toBe(true);
      expect(readdirSync(g.root).sort()).toEqual(['@', '@home']);
    });
  });

  it('uefi: the EFI files guix wrote under /boot/efi are copied into the ESP', async () => {
    const { disk, code, stderr } = await create('efi1', 'uefi');
    expect(code, stderr).toBe(0);
    const esp = sfdiskJson(disk)!.partitions[1]!;
    const dir = execFileSync('mdir', ['-b', '-/', '-i', `${disk}@@${esp.start * 512}`, '::/EFI'], {
      encoding: 'utf8',
      env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
    });
    expect(dir).toMatch(/::\/EFI\/Guix\/grubx64\.efi/i);
    await withImage(disk, (g) => {
      const vfat = g.filesystems.find((f) => f.TYPE === 'vfat')!;
      const data = g.read('etc/ganeti-os/instance-data.scm');
      expect(data).toContain('(define ganeti-firmware "uefi")');
      expect(data).toContain(`(define ganeti-esp-uuid "${vfat.UUID}")`);
      expect(data).toContain('(define ganeti-bootloader-targets (list "/boot/efi"))');
    });
  });

  it('a failing guix: one clear last line, never a backtrace', async () => {
    fx.setStandin({ GUIX_STANDIN_FAIL: 'init' });
    try {
      const { code, stderr } = await create('fail1', 'ext4');
      expect(code).not.toBe(0);
      expect(lastLine(stderr)).toMatch(
        /^error\[E_GUIX_BUILD\]: guix system init failed: build of .*guix-artwork.* failed/,
      );
      expect(stderr).not.toMatch(/Backtrace/);
    } finally {
      fx.setStandin({});
    }
    fx.setStandin({ GUIX_STANDIN_FAIL: 'time-machine' });
    try {
      const { code, stderr } = await create('fail2', 'ext4', { commit: 'deadbeef' });
      expect(code).not.toBe(0);
      expect(lastLine(stderr)).toMatch(
        /^error\[E_GUIX_CHANNEL\]: .*time-machine to commit deadbeef.*Name or service not known/,
      );
    } finally {
      fx.setStandin({});
    }
  });

  it('luks_passphrase: verify accepts the private parameter without showing it (create: luks.test.ts)', async () => {
    const v = await fx.run(
      'verify',
      guixEnv({ name: 'luks1', variant: 'ext4', disks: [], params: { luks_passphrase: SECRET } }),
      { args: ['parameters'] },
    );
    expect(v.code, v.stderr).toBe(0);
    expect(v.stderr).not.toContain(SECRET);
  });

  it('SIGTERM during guix system init: guix is stopped, everything undone', async () => {
    fx.setStandin({ GUIX_STANDIN_SLEEP: '60' });
    fx.clearCalls();
    const disk = fx.newDisk(1536 * MiB, 'term.img').path;
    const watch = leakWatch(fx, [disk]);
    try {
      const r = await fx.run(
        'create',
        guixEnv({ name: 'term1', variant: 'ext4', disks: [{ path: disk, sizeMiB: 1536 }], nics: NICS }),
        {
          onSpawn: (pid) => {
            const poll = setInterval(() => {
              if (fx.calls().some((c) => c.argv.includes('init'))) {
                clearInterval(poll);
                setTimeout(() => process.kill(pid, 'SIGTERM'), 300);
              }
            }, 100);
          },
        },
      );
      expect(r.code).not.toBe(0);
      expect(lastLine(r.stderr)).toMatch(/^error\[E_INTERRUPTED\]: stopped by SIGTERM/);
      const init = fx.calls().find((c) => c.argv.includes('init'))!;
      expect(existsSync(`/proc/${init.pid}`)).toBe(false);
      expect(watch.check()).toEqual([]);
    } finally {
      fx.setStandin({});
    }
  });
});
