/**
 * The debootstrap provider through a real Ganeti: the bookworm cache is warmed on the host (the
 * cluster has no route out), then add, reinstall, rename, export, import and remove of a
 * debootstrap+bookworm instance, with its guest inspected from the host after each step, and the
 * created disk booted in qemu (TCG) up to a login prompt carrying the instance's name.
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BootTestResult, bootTest } from '../../src/boot/qemu.js';
import {
  INSTANCE_OPTS,
  NODE_NAME,
  STATE_DIR,
  down,
  hideOsDir,
  must,
  osLogs,
  privateOsDir,
  run,
  up,
  backupImportArgv,
} from '../helpers/ganeti-harness.js';
import { OUR_OS_DIR, diskFiles, installOurs } from '../helpers/ganeti-ours.js';
import { installedPaths, seedCache, warmOnHost, type InstalledPaths } from '../helpers/ganeti-cache.js';
import { diskLayout, guestCat, guestManifest, hostPath, manifestDiff } from '../helpers/ganeti-guest.js';
import { host } from '../helpers/ganeti-host.js';
import { expectCleanHost } from '../helpers/ganeti-clean.js';

const DEBIAN_OS_DIR = '/usr/share/ganeti/os';
const OS = 'debootstrap+bookworm';
const SSH_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKYAr9/o32/2QyErTp45491WeXcA7gaX7DV7rUPEJ8C7 e2e@ganeti-os.test';
const HOST_KEY = '/etc/ssh/ssh_host_ed25519_key.pub';
const GiB = 1024 ** 3;

let paths: InstalledPaths;
/** The first disk of an instance, as a host path. */
const disk0 = async (inst: string): Promise<string> => hostPath((await diskFiles(inst))[0]!);

/**
 * The boot test runs on a copy of the created disk while the life cycle goes on (TCG takes one core
 * for a minute or two); the last test awaits it.
 */
const BOOT_IMAGE = `${STATE_DIR}/boot-deb1.img`;
let booting: Promise<BootTestResult> | undefined;

/** Kills the qemu booting `image`, found by its argv (never by name). */
async function killQemuOn(image: string): Promise<void> {
  for (const pid of (await readdir('/proc')).filter((n) => /^\d+$/.test(n))) {
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (argv[0]?.endsWith('qemu-system-x86_64') && argv.some((a) => a.startsWith(`file=${image},`))) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

beforeAll(async () => {
  await up();
  await privateOsDir(OUR_OS_DIR);
  await hideOsDir(DEBIAN_OS_DIR); // Debian's instance-debootstrap has the same name
  await installOurs(['debootstrap'], { force: true });
  paths = await installedPaths('debootstrap');
  // The fake hypervisor has no serial_console parameter (KVM's defaults to on), so the node's admin
  // turns the serial console on for bookworm, building on the shipped file: the boot test reads it.
  await mkdir(join(paths.configDir, 'variants'), { recursive: true });
  await writeFile(
    join(paths.configDir, 'variants', 'bookworm.yaml'),
    "extend: bookworm\nserial-console: 'on'\n",
  );
});

afterAll(async () => {
  if (booting) {
    await killQemuOn(BOOT_IMAGE);
    await booting.catch(() => undefined);
  }
  await down();
  await expectCleanHost();
});

describe('debootstrap+bookworm through Ganeti', () => {
  let hostKey = '';
  let original = new Map<string, string>();

  it('warms the bookworm cache on the host, where the mirror is reachable', async () => {
    const seeded = await seedCache('debootstrap', paths.cacheDir);
    const t = Date.now();
    const warm = await warmOnHost(OS);
    console.info(
      `cache warm: ${warm.hit ? 'hit' : 'built'} ${warm.path} in ${((Date.now() - t) / 1000).toFixed(1)} s (seeded: ${seeded.join(', ') || 'none'})`,
    );
    expect(warm.path.startsWith(`${paths.cacheDir}/bookworm-`)).toBe(true);
    // Warm once more: now it must be a hit.
    expect((await warmOnHost(OS)).hit).toBe(true);
  });

  it('gnt-instance add installs a guest; the OS log is short and clean', async () => {
    await must([
      'gnt-instance',
      'add',
      '-t',
      'file',
      '--disk',
      '0:size=3G',
      '-o',
      OS,
      '-O',
      `ssh-key=${SSH_KEY}`,
      '--no-start',
      ...INSTANCE_OPTS,
      'deb1.example.org',
    ]);
    const logs = await osLogs((n) => n.startsWith(`add-${OS}-deb1.example.org-`));
    expect(logs).toHaveLength(1);
    const lines = logs[0]!.text.trimEnd().split('\n');
    expect(lines.length, logs[0]!.text).toBeLessThanOrEqual(8);
    expect(
      lines.filter((l) => /warn|error|fail|denied|traceback|^\s+at /i.test(l)),
      logs[0]!.text,
    ).toEqual([]);
    expect(lines.at(-1)).toBe('deb1.example.org installed');

    const disk = await disk0('deb1.example.org');
    const layout = await diskLayout(disk);
    expect(layout.label).toBe('dos');
    expect(layout.partitions).toHaveLength(1);
    expect(await guestCat(disk, '/etc/hostname')).toBe('deb1\n');
    expect(await guestCat(disk, '/etc/fstab')).toMatch(/^UUID=[0-9a-f-]+\s+\/\s+ext4\s/m);
    expect(await guestCat(disk, '/root/.ssh/authorized_keys')).toContain(SSH_KEY);
    hostKey = await guestCat(disk, HOST_KEY);
    expect(hostKey).toMatch(/^ssh-ed25519 /);

    await host('cp', ['--sparse=always', disk, BOOT_IMAGE]);
    booting = bootTest({
      image: BOOT_IMAGE,
      format: 'raw',
      firmware: 'bios',
      expect: /deb1 login:/,
      timeoutMs: 600_000,
    });
    booting.catch(() => undefined); // awaited by the last test
  });

  it('reinstall -f installs again and keeps the ssh host keys', async () => {
    await must(['gnt-instance', 'reinstall', '-f', 'deb1.example.org']);
    const logs = await osLogs((n) => n.startsWith(`add-${OS}-deb1.example.org-`));
    expect(logs).toHaveLength(2);
    expect(logs[1]!.text).toContain('(reinstall)');
    const disk = await disk0('deb1.example.org');
    expect(await guestCat(disk, HOST_KEY)).toBe(hostKey);
    expect(await guestCat(disk, '/root/.ssh/authorized_keys')).toContain(SSH_KEY);
  });

  it('rename -f: the guest hostname follows', async () => {
    const r = await must([
      'gnt-instance',
      'rename',
      '-f',
      '--no-name-check',
      '--no-ip-check',
      'deb1.example.org',
      'deb2.example.org',
    ]);
    expect(r.stdout + r.stderr).not.toContain('Could not run OS rename script');
    const disk = await disk0('deb2.example.org');
    expect(await guestCat(disk, '/etc/hostname')).toBe('deb2\n');
    expect(await guestCat(disk, '/etc/hosts')).toMatch(/^127\.0\.1\.1\s+deb2\.example\.org deb2$/m);
    expect(await guestCat(disk, '/etc/mailname')).toBe('deb2.example.org\n');
    original = await guestManifest(disk);
    expect(original.size).toBeGreaterThan(10_000);
  });

  it('gnt-backup export, then import into a larger disk: the imported guest has the same files', async () => {
    await must(['gnt-backup', 'export', '-n', NODE_NAME, 'deb2.example.org']);
    const r = await must(backupImportArgv('deb2.example.org', 'deb3.example.org', ['--disk', '0:size=4G']));
    expect(r.stdout + r.stderr).not.toContain('Could not run OS rename script');
    for (const l of await osLogs((n) => /^(export|import)-/.test(n))) {
      expect(
        l.text.split('\n').filter((x) => /warn|error|fail/i.test(x)),
        l.name,
      ).toEqual([]);
    }

    const disk = await disk0('deb3.example.org');
    const layout = await diskLayout(disk);
    expect(layout.partitions).toHaveLength(1);
    expect(layout.partitions[0]!.sizeBytes).toBeGreaterThan(3.9 * GiB); // the root filesystem's partition fills the larger disk
    expect(await guestCat(disk, '/etc/hostname')).toBe('deb3\n');
    expect(await guestCat(disk, HOST_KEY)).toBe(hostKey);
    // Rewritten on import or by the rename to deb3: the fstab (new filesystem UUID), GRUB and its
    // settings (installed again), the names, and the network configuration (it follows the new MAC).
    const rewritten = new Set([
      'etc/fstab',
      'etc/default/grub',
      'etc/hostname',
      'etc/hosts',
      'etc/mailname',
      'etc/network/interfaces',
    ]);
    const rewrittenDirs = ['boot/grub', 'etc/network/interfaces.d', 'etc/systemd/network'];
    const skip = (p: string): boolean =>
      rewritten.has(p) || rewrittenDirs.some((d) => p === d || p.startsWith(`${d}/`));
    expect(manifestDiff(original, await guestManifest(disk), skip)).toEqual([]);
  });

  it("the imported guest's network configuration names the NIC by its new MAC", async () => {
    // The import got a new MAC (--net 0:mac=generate); the guest names its NIC nic0 by MAC.
    const mac = (
      await must(['gnt-instance', 'list', '--no-headers', '-o', 'nic.mac/0', 'deb3.example.org'])
    ).stdout.trim();
    expect(mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    const link = await guestCat(await disk0('deb3.example.org'), '/etc/systemd/network/10-ganeti-nic0.link');
    expect(link).toContain(`MACAddress=${mac}`);
  });

  it('gnt-instance remove deletes both instances and their disks', async () => {
    for (const inst of ['deb2.example.org', 'deb3.example.org'])
      await must(['gnt-instance', 'remove', '-f', inst]);
    await must(['gnt-backup', 'remove', 'deb2.example.org']);
    expect((await must(['gnt-instance', 'list', '--no-headers', '-o', 'name'])).stdout).toBe('');
    expect((await run(['ls', '/srv/ganeti/file-storage'])).stdout).toBe('');
  });

  it('the created disk boots in qemu (TCG) to a login prompt with the instance name', async () => {
    expect(booting, 'the add test did not start the boot').toBeDefined();
    const r = await booting!;
    console.info(`boot to login prompt: ${(r.elapsedMs / 1000).toFixed(1)} s (started after the add)`);
    expect(r.ok, r.transcript.slice(-3000)).toBe(true);
  }, 660_000);
});
