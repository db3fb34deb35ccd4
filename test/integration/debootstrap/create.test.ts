/**
 * debootstrap create, reinstall and rename, run as Ganeti runs the installed scripts, on sparse file
 * disks with real loop devices, partx, mkfs and GRUB. The results are read back with the host's
 * tools only (sfdisk -J, blkid, a read-only loop + partx + mount -o ro).
 */
import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot } from '../../helpers/disk.js';
import {
  blkid,
  fileSize,
  GiB,
  installFixture,
  instanceEnv,
  leakWatch,
  readHead,
  sfdiskJson,
  withImage,
  type EnvSpec,
  type Fixture,
  type ImageView,
} from './fixture.js';

let fx: Fixture;
let sshKey: string;
const PASSWORD = 'c0rrect-h0rse Battery $taple';
const NODE_HOSTNAME = readFileSync('/etc/hostname', 'utf8').trim();

beforeAll(() => {
  fx = installFixture({ tag: 'create' });
  const keyFile = join(fx.work, 'admin_key');
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'admin@example.org', '-f', keyFile]);
  sshKey = readFileSync(`${keyFile}.pub`, 'utf8').trim();
  rmSync(keyFile);
});

afterAll(() => fx?.dispose());

/** Run a script, then assert exit 0, no leaks and an unchanged disk file size. */
async function runOk(script: string, spec: EnvSpec, extra: Record<string, string> = {}): Promise<string> {
  const paths = spec.disks.map((d) => d.path);
  const sizes = paths.map(fileSize);
  const watch = leakWatch(fx, paths);
  const r = await fx.run(script, { ...instanceEnv(spec), ...extra });
  expect(r.code, r.stderr).toBe(0);
  expect(watch.check()).toEqual([]);
  expect(paths.map(fileSize)).toEqual(sizes);
  return r.stderr;
}

/** fstab UUID lines must name exactly the filesystems blkid finds (swap included, ESP by its UUID too). */
function checkFstab(v: ImageView): { mountpoint: string; type: string }[] {
  const fstab = v.read('etc/fstab');
  const rows = fstab
    .split('\n')
    .filter((l) => l.startsWith('UUID='))
    .map((l) => l.split(/\s+/))
    .map(([spec, mountpoint, type]) => ({ uuid: spec!.slice(5), mountpoint: mountpoint!, type: type! }));
  const found = v.filesystems.filter((f) => f.UUID);
  expect(rows.map((r) => r.uuid).sort()).toEqual(found.map((f) => f.UUID).sort());
  for (const r of rows) {
    const f = found.find((x) => x.UUID === r.uuid)!;
    expect(r.type === 'vfat' ? 'vfat' : r.type).toBe(f.TYPE);
  }
  return rows;
}

function hostKeys(v: ImageView): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of readdirSync(join(v.root, 'etc/ssh')).filter((n) => /^ssh_host_.*_key\.pub$/.test(n)))
    out[n] = v.read(`etc/ssh/${n}`);
  return out;
}

function shadowRoot(v: ImageView): string {
  return v
    .read('etc/shadow')
    .split('\n')
    .find((l) => l.startsWith('root:'))!
    .split(':')[1]!;
}

const NIC_STATIC = {
  mac: 'aa:00:00:11:22:33',
  ip: '192.0.2.10',
  subnet: '192.0.2.0/24',
  gateway: '192.0.2.1',
  subnet6: '2001:db8:1::/64',
  gateway6: '2001:db8:1::1',
};
const NIC_DHCP = { mac: 'aa:00:00:44:55:66' };

describe.skipIf(!isRoot)('debootstrap create on file disks', () => {
  const state: { a?: { disk: string; keys: Record<string, string>; machineId: string } } = {};
  let specA: EnvSpec;

  it('msdos + ext4: partitions, filesystems and the guest configuration from the environment', async () => {
    const disk = fx.newDisk(3 * GiB, 'web1.img');
    specA = {
      name: 'web1.example.org',
      variant: 'full',
      disks: [{ path: disk.path, sizeMiB: 3072 }],
      nics: [NIC_STATIC, NIC_DHCP],
      params: { 'ssh-key': sshKey },
    };
    await runOk('create', specA);

    const table = sfdiskJson(disk.path)!;
    expect(table.label).toBe('dos');
    expect(table.partitions).toHaveLength(1);
    expect(table.partitions[0]).toMatchObject({ start: 2048, type: '83', bootable: true });
    expect(table.partitions[0]!.start + table.partitions[0]!.size).toBe((3 * GiB) / 512);
    // GRUB's boot.img is in the MBR.
    expect(readHead(disk.path, 512).includes(Buffer.from('GRUB'))).toBe(true);

    await withImage(disk.path, (v) => {
      expect(v.filesystems.map((f) => f.TYPE)).toEqual(['ext4']);
      const rows = checkFstab(v);
      expect(rows).toEqual([expect.objectContaining({ mountpoint: '/', type: 'ext4' })]);
      expect(v.read('etc/hostname')).toBe('web1\n');
      expect(v.read('etc/mailname')).toBe('web1.example.org\n');
      const hosts = v.read('etc/hosts');
      expect(hosts).toMatch(/^192\.0\.2\.10\tweb1\.example\.org web1$/m);
      expect(hosts).toMatch(/^127\.0\.0\.1\tlocalhost$/m);
      if (NODE_HOSTNAME !== 'localhost') expect(hosts).not.toContain(NODE_HOSTNAME);
      // One interfaces file per NIC, named through a .link file matching its MAC.
      expect(v.read('etc/network/interfaces')).toContain('source /etc/network/interfaces.d/*');
      const nic0 = v.read('etc/network/interfaces.d/nic0');
      expect(nic0).toContain('iface nic0 inet static');
      expect(nic0).toContain('address 192.0.2.10/24');
      expect(nic0).toContain('gateway 192.0.2.1');
      expect(nic0).toContain('iface nic0 inet6 static');
      expect(nic0).toContain('address 2001:db8:1:0:a800:ff:fe11:2233/64');
      expect(nic0).toContain('gateway 2001:db8:1::1');
      const nic1 = v.read('etc/network/interfaces.d/nic1');
      expect(nic1).toContain('iface nic1 inet dhcp');
      expect(v.read('etc/systemd/network/10-ganeti-nic0.link')).toContain('MACAddress=aa:00:00:11:22:33');
      expect(v.read('etc/systemd/network/10-ganeti-nic1.link')).toContain('MACAddress=aa:00:00:44:55:66');
      // apt points at the variant's mirror.
      const sources = v.exists('etc/apt/sources.list.d/debian.sources')
        ? v.read('etc/apt/sources.list.d/debian.sources')
        : v.read('etc/apt/sources.list');
      expect(sources).toContain('http://deb.debian.org/debian');
      expect(sources).toContain('bookworm');
      // Serial console (INSTANCE_HV_serial_console=True): a getty and the kernel console.
      expect(v.exists('etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service')).toBe(true);
      expect(v.read('boot/grub/grub.cfg')).toContain('console=ttyS0');
      expect(v.read('etc/machine-id')).toMatch(/^[0-9a-f]{32}\n$/);
      expect(shadowRoot(v)).toBe('!');
      expect(v.read('root/.ssh/authorized_keys')).toContain(sshKey);
      const keys = hostKeys(v);
      expect(Object.keys(keys).length).toBeGreaterThanOrEqual(2);
      for (const k of Object.values(keys)) expect(k).toContain('root@web1');
      state.a = { disk: disk.path, keys, machineId: v.read('etc/machine-id') };
      // Nothing of the build is left in the guest.
      expect(v.exists('usr/sbin/policy-rc.d')).toBe(false);
      expect(readdirSync(join(v.root, 'var/cache/apt/archives')).filter((n) => n.endsWith('.deb'))).toEqual(
        [],
      );
    });
  });

  it('a second instance from the same cache: own host keys and machine-id; root password hashed, never logged', async () => {
    const disk = fx.newDisk(3 * GiB, 'web2.img');
    const spec: EnvSpec = {
      name: 'web2.example.org',
      variant: 'full',
      disks: [{ path: disk.path, sizeMiB: 3072 }],
      nics: [NIC_DHCP],
      serialConsole: false,
      params: { 'root-password': PASSWORD },
    };
    const stderr = await runOk('create', spec, { DEBUG_LEVEL: '1' });
    // ext4 root: the cache entry's filesystem image (made from the tarball by this create) is
    // restored block by block instead of unpacking the tarball.
    expect(stderr).toContain('restored cached image');
    expect(stderr).toMatch(/\$ qemu-img convert .* \/dev\/loop\d+p1\n/);
    expect(stderr).not.toContain(PASSWORD);
    expect(stderr).not.toContain('c0rrect-h0rse');
    await withImage(disk.path, (v) => {
      expect(v.read('etc/hostname')).toBe('web2\n');
      // No IP: the hosts line uses 127.0.1.1, and the NIC is configured by DHCP.
      expect(v.read('etc/hosts')).toMatch(/^127\.0\.1\.1\tweb2\.example\.org web2$/m);
      expect(v.read('etc/network/interfaces.d/nic0')).toContain('iface nic0 inet dhcp');
      expect(v.exists('etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service')).toBe(false);
      const machineId = v.read('etc/machine-id');
      expect(machineId).toMatch(/^[0-9a-f]{32}\n$/);
      expect(machineId).not.toBe(state.a!.machineId);
      const keys = hostKeys(v);
      expect(Object.keys(keys).sort()).toEqual(Object.keys(state.a!.keys).sort());
      for (const [n, k] of Object.entries(keys))
        expect(k.split(' ')[1]).not.toBe(state.a!.keys[n]!.split(' ')[1]);
      const hash = shadowRoot(v);
      expect(hash).toMatch(/^\$6\$/);
      const salt = hash.split('$')[2]!;
      const again = spawnSync('openssl', ['passwd', '-6', '-salt', salt, '-stdin'], {
        input: `${PASSWORD}\n`,
        encoding: 'utf8',
      }).stdout.trim();
      expect(again).toBe(hash);
      expect(v.exists('root/.ssh/authorized_keys')).toBe(false);
    });
  });

  it('reinstall keeps the ssh host keys and makes a new machine-id', async () => {
    const stderr = await runOk('create', specA, { INSTANCE_REINSTALL: '1' });
    expect(stderr).toMatch(/keeping \d+ ssh host key pair/);
    await withImage(state.a!.disk, (v) => {
      expect(hostKeys(v)).toEqual(state.a!.keys);
      expect(v.read('etc/machine-id')).toMatch(/^[0-9a-f]{32}\n$/);
      expect(v.read('etc/machine-id')).not.toBe(state.a!.machineId);
      expect(v.read('etc/hostname')).toBe('web1\n');
      checkFstab(v);
    });
  });

  it('rename: hostname, mailname and hosts follow; a rename to the same name is a no-op success', async () => {
    const renamed: EnvSpec = { ...specA, name: 'web3.example.org' };
    await runOk('rename', renamed, { OLD_INSTANCE_NAME: 'web1.example.org' });
    const before = await withImage(state.a!.disk, (v) => {
      expect(v.read('etc/hostname')).toBe('web3\n');
      expect(v.read('etc/mailname')).toBe('web3.example.org\n');
      const hosts = v.read('etc/hosts');
      expect(hosts).toMatch(/^192\.0\.2\.10\tweb3\.example\.org web3$/m);
      expect(hosts).not.toContain('web1');
      return ['etc/hostname', 'etc/mailname', 'etc/hosts'].map((p) => v.read(p));
    });
    const stderr = await runOk('rename', renamed, { OLD_INSTANCE_NAME: 'web3.example.org' });
    expect(stderr).toContain('unchanged');
    await withImage(state.a!.disk, (v) => {
      expect(['etc/hostname', 'etc/mailname', 'etc/hosts'].map((p) => v.read(p))).toEqual(before);
    });
  });

  it("reinstall over a guest whose /etc/ssh points outside it never reads the node's files", async () => {
    // A decoy "node directory" with host keys carrying a marker; the old guest's /etc/ssh links to it.
    const decoy = join(fx.work, 'node-etc-ssh');
    mkdirSync(decoy);
    for (const t of ['ed25519', 'rsa']) {
      writeFileSync(join(decoy, `ssh_host_${t}_key`), 'NODE-SECRET-KEY\n', { mode: 0o600 });
      writeFileSync(join(decoy, `ssh_host_${t}_key.pub`), `ssh-${t} NODEPUBLICKEY node\n`);
    }
    await withImage(
      state.a!.disk,
      (v) => {
        renameSync(join(v.root, 'etc/ssh'), join(v.root, 'etc/ssh.moved'));
        symlinkSync(decoy, join(v.root, 'etc/ssh'));
      },
      { rw: true },
    );
    const stderr = await runOk('create', specA, { INSTANCE_REINSTALL: '1' });
    expect(stderr).toContain('reinstall: no ssh host keys to keep');
    await withImage(state.a!.disk, (v) => {
      const keys = hostKeys(v);
      expect(Object.keys(keys).length).toBeGreaterThanOrEqual(2);
      for (const k of Object.values(keys)) expect(k).not.toContain('NODEPUBLICKEY');
      expect(v.read('etc/ssh/ssh_host_ed25519_key')).not.toContain('NODE-SECRET-KEY');
      state.a!.keys = keys;
    });
  });

  it('gpt + xfs (OS parameter): BIOS boot partition, EFI system partition with GRUB, xfs root', async () => {
    const disk = fx.newDisk(3 * GiB, 'gpt.img');
    await runOk('create', {
      name: 'gpt1',
      variant: 'full-gpt',
      disks: [{ path: disk.path, sizeMiB: 3072 }],
      params: { filesystem: 'xfs' },
    });
    const table = sfdiskJson(disk.path)!;
    expect(table.label).toBe('gpt');
    expect(table.partitions.map((p) => p.type)).toEqual([
      '21686148-6449-6E6F-744E-656564454649',
      'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
      '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
    ]);
    await withImage(disk.path, (v) => {
      expect(v.filesystems.map((f) => f.TYPE)).toEqual([undefined, 'vfat', 'xfs']);
      const rows = checkFstab(v);
      expect(rows.find((r) => r.mountpoint === '/')?.type).toBe('xfs');
      const esp = v.filesystems[1]!.device;
      const dir = spawnSync('mdir', ['-b', '-i', esp, '::/EFI/BOOT'], {
        encoding: 'utf8',
        env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
      });
      expect(dir.stdout).toMatch(/BOOTX64\.EFI/i);
      expect(v.read('etc/hostname')).toBe('gpt1\n');
    });
  });

  it('partition style none + btrfs: one filesystem on the whole disk, no bootloader', async () => {
    const disk = fx.newDisk(2 * GiB, 'none.img');
    await runOk('create', {
      name: 'flat1',
      variant: 'full-none',
      disks: [{ path: disk.path, sizeMiB: 2048 }],
    });
    expect(sfdiskJson(disk.path)).toBeUndefined();
    expect(blkid(disk.path).TYPE).toBe('btrfs');
    await withImage(disk.path, (v) => {
      expect(checkFstab(v)).toEqual([expect.objectContaining({ mountpoint: '/', type: 'btrfs' })]);
      expect(v.read('etc/hostname')).toBe('flat1\n');
      expect(v.exists('etc/debian_version')).toBe(true);
    });
  });

  it('msdos with swap and a separate /boot', async () => {
    const disk = fx.newDisk(3 * GiB, 'parts.img');
    await runOk('create', {
      name: 'parts1',
      variant: 'full-parts',
      disks: [{ path: disk.path, sizeMiB: 3072 }],
    });
    const table = sfdiskJson(disk.path)!;
    expect(table.label).toBe('dos');
    expect(table.partitions.map((p) => p.type)).toEqual(['83', '82', '83']);
    expect(table.partitions[0]!.size).toBe(256 * 2048);
    expect(table.partitions[1]!.size).toBe(128 * 2048);
    await withImage(disk.path, (v) => {
      expect(v.filesystems.map((f) => f.TYPE)).toEqual(['ext4', 'swap', 'ext4']);
      const rows = checkFstab(v);
      expect(rows.map((r) => `${r.mountpoint} ${r.type}`).sort()).toEqual([
        '/ ext4',
        '/boot ext4',
        'none swap',
      ]);
      // The kernel and GRUB are on /boot (mounted below the root by withImage).
      expect(readdirSync(join(v.root, 'boot')).some((n) => n.startsWith('vmlinuz-'))).toBe(true);
      expect(v.read('boot/grub/grub.cfg')).toContain('vmlinuz-');
    });
  });
});
