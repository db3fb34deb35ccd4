/**
 * The safe writer against a hostile guest tree: symlinks placed by the guest must never make us
 * read or write outside the target. Runs as root (explicit chown) under Ganeti's umask 077.
 */
import {
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
  readdir,
  chmod,
  chown,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExecRunner } from '../../../src/process/runner.js';
import { isOsError } from '../../../src/runtime/errors.js';
import { Logger, MemorySink } from '../../../src/runtime/logger.js';
import {
  detectGuest,
  generateSshHostKeys,
  planGuestConfig,
  planHostname,
  planRootPassword,
  readGuestFile,
  renameGuest,
  writeGuestFiles,
} from '../../../src/guest/index.js';
import { NIC_DHCP, instance } from '../../../src/guest/instances.test-helper.js';

let base: string;
let target: string;
let outside: string;
let oldUmask: number;

beforeAll(() => {
  oldUmask = process.umask(0o077);
});
afterAll(() => {
  process.umask(oldUmask);
});

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'guest-writer-'));
  target = join(base, 'target');
  outside = join(base, 'outside');
  await mkdir(join(target, 'etc'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(outside, 'precious'), 'host data\n');
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function outsideUntouched(): Promise<void> {
  expect(await readdir(outside)).toEqual(['precious']);
  expect(await readFile(join(outside, 'precious'), 'utf8')).toBe('host data\n');
}

function modeOf(st: { mode: number }): number {
  return st.mode & 0o7777;
}

describe('writeGuestFiles', () => {
  it('writes files with explicit modes despite umask 077, creating parents 0755', async () => {
    const r = await writeGuestFiles(target, [
      { kind: 'file', path: '/etc/hostname', content: 'web-1\n', mode: 0o644 },
      {
        kind: 'file',
        path: '/usr/local/lib/x/y.conf',
        content: 'y',
        mode: 0o640,
        owner: { uid: 0, gid: 42 },
      },
      { kind: 'dir', path: '/root/.ssh', mode: 0o700 },
    ]);
    expect(r.map((x) => x.action)).toEqual(['written', 'written', 'created-dir']);
    expect(modeOf(await stat(join(target, 'etc/hostname')))).toBe(0o644);
    const y = await stat(join(target, 'usr/local/lib/x/y.conf'));
    expect([modeOf(y), y.gid]).toEqual([0o640, 42]);
    expect(modeOf(await stat(join(target, 'usr/local/lib/x')))).toBe(0o755);
    expect(modeOf(await stat(join(target, 'root/.ssh')))).toBe(0o700);
    expect((await readdir(join(target, 'etc'))).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('replaces a final symlink pointing outside instead of writing through it', async () => {
    await symlink(join(outside, 'precious'), join(target, 'etc/hostname'));
    await symlink('../../outside/precious', join(target, 'etc/mailname'));
    await writeGuestFiles(target, planHostname(instance()));
    await outsideUntouched();
    expect((await lstat(join(target, 'etc/hostname'))).isFile()).toBe(true);
    expect(await readFile(join(target, 'etc/mailname'), 'utf8')).toBe('web-1.example.org\n');
  });

  it('resolves an absolute intermediate symlink inside the guest (chroot semantics)', async () => {
    // The guest says /etc/network -> /ganeti-escape ; on the host that would be outside.
    await symlink(outside, join(target, 'etc/network'));
    await writeGuestFiles(target, [
      { kind: 'file', path: '/etc/network/interfaces', content: 'x\n', mode: 0o644 },
    ]);
    await outsideUntouched();
    // /etc/network pointed at "<outside path>" which, read inside the guest, is <target><outside path>.
    expect(await readFile(join(target, outside, 'interfaces'), 'utf8')).toBe('x\n');
  });

  it('clamps relative .. in guest symlinks at the guest root', async () => {
    await symlink('../../../../../../../../..' + outside, join(target, 'etc/default'));
    await writeGuestFiles(target, [
      { kind: 'file', path: '/etc/default/locale', content: 'LANG=C\n', mode: 0o644 },
    ]);
    await outsideUntouched();
    expect(await readFile(join(target, outside, 'locale'), 'utf8')).toBe('LANG=C\n');
  });

  it('follows merged-usr style links (/lib -> usr/lib) inside the guest', async () => {
    await mkdir(join(target, 'usr/lib'), { recursive: true });
    await symlink('usr/lib', join(target, 'lib'));
    await writeGuestFiles(target, [
      { kind: 'file', path: '/lib/systemd/network/x.link', content: 'l', mode: 0o644 },
    ]);
    expect(await readFile(join(target, 'usr/lib/systemd/network/x.link'), 'utf8')).toBe('l');
  });

  it('refuses symlink loops and non-directories in the middle of a path', async () => {
    await symlink('loop2', join(target, 'etc/loop1'));
    await symlink('loop1', join(target, 'etc/loop2'));
    await writeFile(join(target, 'etc/plainfile'), '');
    for (const path of ['/etc/loop1/x', '/etc/plainfile/x']) {
      let err: unknown;
      try {
        await writeGuestFiles(target, [{ kind: 'file', path, content: '', mode: 0o644 }]);
      } catch (e) {
        err = e;
      }
      expect(isOsError(err) && err.code).toBe('E_GUEST_PATH');
    }
  });

  it('never replaces a directory with a file', async () => {
    await mkdir(join(target, 'etc/hostname'));
    await expect(writeGuestFiles(target, planHostname(instance()))).rejects.toThrow(/is a directory/);
  });

  it('edits keep the existing mode and owner (shadow 0640 root:shadow)', async () => {
    await writeFile(join(target, 'etc/shadow'), 'root:*:19000:0:99999:7:::\n');
    await chown(join(target, 'etc/shadow'), 0, 42);
    await chmod(join(target, 'etc/shadow'), 0o640);
    const r = await writeGuestFiles(target, planRootPassword({ mode: 'locked' }));
    expect(r).toEqual([{ path: '/etc/shadow', kind: 'edit', action: 'written' }]);
    const st = await stat(join(target, 'etc/shadow'));
    expect([modeOf(st), st.uid, st.gid]).toEqual([0o640, 0, 42]);
    expect(await readFile(join(target, 'etc/shadow'), 'utf8')).toBe('root:!:19000:0:99999:7:::\n');
    expect((await writeGuestFiles(target, planRootPassword({ mode: 'locked' })))[0]!.action).toBe(
      'unchanged',
    );
  });

  it('an edit through a guest symlink reads inside the guest and replaces the link', async () => {
    await writeFile(join(outside, 'hostname'), 'web-1\n');
    await symlink(join(outside, 'hostname'), join(target, 'etc/hostname'));
    // Inside the guest that absolute link is dangling, so the edit sees "absent" and leaves it.
    expect((await renameGuest(target, 'web-1', 'web-2'))[0]!.action).toBe('unchanged');
    expect(await readFile(join(outside, 'hostname'), 'utf8')).toBe('web-1\n');
    await mkdir(join(target, 'data'));
    await writeFile(join(target, 'data/hn'), 'web-1\n');
    await rm(join(target, 'etc/hostname'));
    await symlink('/data/hn', join(target, 'etc/hostname'));
    expect((await renameGuest(target, 'web-1', 'web-2'))[0]!.action).toBe('written');
    expect((await lstat(join(target, 'etc/hostname'))).isFile()).toBe(true);
    expect(await readFile(join(target, 'etc/hostname'), 'utf8')).toBe('web-2\n');
    expect(await readFile(join(target, 'data/hn'), 'utf8')).toBe('web-1\n');
  });

  it('removes files and links but not directories; symlinks are written verbatim', async () => {
    await symlink(join(outside, 'precious'), join(target, 'etc/victim'));
    await mkdir(join(target, 'etc/sources.list'));
    await writeFile(join(target, 'etc/sources.list/keep'), '');
    const r = await writeGuestFiles(target, [
      { kind: 'remove', path: '/etc/victim' },
      { kind: 'remove', path: '/etc/absent' },
      { kind: 'symlink', path: '/etc/localtime', target: '../usr/share/zoneinfo/Etc/UTC' },
    ]);
    expect(r.map((x) => x.action)).toEqual(['removed', 'absent', 'written']);
    await outsideUntouched();
    expect(await readlink(join(target, 'etc/localtime'))).toBe('../usr/share/zoneinfo/Etc/UTC');
    await expect(writeGuestFiles(target, [{ kind: 'remove', path: '/etc/sources.list' }])).rejects.toThrow(
      /non-empty directory/,
    );
  });

  it('readGuestFile resolves absolute links inside the guest, never on the host', async () => {
    await writeFile(join(target, 'etc/passwd'), 'guest passwd\n');
    await symlink('/etc/passwd', join(target, 'etc/link-to-passwd'));
    await symlink('/etc/../../../etc/passwd', join(target, 'etc/sneaky'));
    expect(await readGuestFile(target, '/etc/link-to-passwd')).toBe('guest passwd\n');
    expect(await readGuestFile(target, '/etc/sneaky')).toBe('guest passwd\n');
    expect(await readGuestFile(target, '/etc/nothing')).toBeUndefined();
  });
});

describe('guest facts, identity and a full plan on a fake Debian tree', () => {
  async function fakeDebian(kind: 'systemd-ifupdown' | 'sysvinit'): Promise<void> {
    await mkdir(join(target, 'usr/lib/systemd/system'), { recursive: true });
    await mkdir(join(target, 'usr/sbin'), { recursive: true });
    await mkdir(join(target, 'etc/ssh'), { recursive: true });
    await symlink('usr/lib', join(target, 'lib'));
    await symlink('usr/sbin', join(target, 'sbin'));
    await writeFile(join(target, 'etc/ssh/sshd_config'), '');
    await writeFile(join(target, 'etc/shadow'), 'root:*:19000:0:99999:7:::\n');
    await writeFile(join(target, 'etc/debian_version'), '12.7\n');
    if (kind === 'systemd-ifupdown') {
      await writeFile(join(target, 'usr/lib/systemd/systemd'), '');
      await symlink('/lib/systemd/systemd', join(target, 'usr/sbin/init'));
      await writeFile(join(target, 'usr/sbin/ifup'), '');
    } else {
      await writeFile(join(target, 'usr/sbin/init'), '');
      await writeFile(join(target, 'etc/inittab'), 'id:2:initdefault:\n');
    }
  }

  it('detects systemd + ifupdown and writes a whole configuration', async () => {
    await fakeDebian('systemd-ifupdown');
    const facts = await detectGuest(target);
    expect(facts).toEqual({
      init: 'systemd',
      network: 'ifupdown',
      systemdUnitDir: '/usr/lib/systemd/system',
      sshd: true,
    });
    const entries = planGuestConfig({
      info: instance([NIC_DHCP]),
      facts,
      machineId: 'ab'.repeat(16),
      timezone: 'Europe/Berlin',
    });
    await writeGuestFiles(target, entries);
    expect(await readFile(join(target, 'etc/network/interfaces.d/nic0'), 'utf8')).toContain(
      'iface nic0 inet dhcp',
    );
    expect(
      await readlink(join(target, 'etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service')),
    ).toBe('/usr/lib/systemd/system/serial-getty@.service');
    expect(await readlink(join(target, 'var/lib/dbus/machine-id'))).toBe('/etc/machine-id');
    expect(modeOf(await stat(join(target, 'etc/machine-id')))).toBe(0o444);
    expect(await readFile(join(target, 'etc/shadow'), 'utf8')).toMatch(/^root:!:/);
  });

  it('detects sysvinit and networkd (no ifupdown)', async () => {
    await fakeDebian('sysvinit');
    const facts = await detectGuest(target);
    expect([facts.init, facts.network]).toEqual(['sysvinit', 'networkd']);
    await writeGuestFiles(
      target,
      planGuestConfig({ info: instance([]), facts, machineId: 'cd'.repeat(16), network: false }),
    );
    expect(await readFile(join(target, 'etc/inittab'), 'utf8')).toBe(
      'id:2:initdefault:\nT0:2345:respawn:/sbin/getty -L ttyS0 115200 vt100\n',
    );
  });

  it('generates fresh ssh host keys per instance; keep policy keeps them', async () => {
    await fakeDebian('systemd-ifupdown');
    await writeFile(join(target, 'etc/ssh/ssh_host_dsa_key'), 'old');
    const log = new Logger('debug', new MemorySink());
    const runner = new ExecRunner(log);
    await generateSshHostKeys({ runner, target, name: 'web-1.example.org' });
    const names = (await readdir(join(target, 'etc/ssh'))).sort();
    expect(names).toEqual([
      'ssh_host_ecdsa_key',
      'ssh_host_ecdsa_key.pub',
      'ssh_host_ed25519_key',
      'ssh_host_ed25519_key.pub',
      'ssh_host_rsa_key',
      'ssh_host_rsa_key.pub',
      'sshd_config',
    ]);
    expect(modeOf(await stat(join(target, 'etc/ssh/ssh_host_ed25519_key')))).toBe(0o600);
    expect(modeOf(await stat(join(target, 'etc/ssh/ssh_host_ed25519_key.pub')))).toBe(0o644);
    const pub1 = await readFile(join(target, 'etc/ssh/ssh_host_ed25519_key.pub'), 'utf8');
    expect(pub1).toMatch(/^ssh-ed25519 \S+ root@web-1\.example\.org\n$/);

    await generateSshHostKeys({ runner, target, name: 'web-1.example.org', policy: 'keep' });
    expect(await readFile(join(target, 'etc/ssh/ssh_host_ed25519_key.pub'), 'utf8')).toBe(pub1);

    await generateSshHostKeys({ runner, target, name: 'web-1.example.org', types: ['ed25519'] });
    expect(await readFile(join(target, 'etc/ssh/ssh_host_ed25519_key.pub'), 'utf8')).not.toBe(pub1);
    expect((await readdir(join(target, 'etc/ssh'))).sort()).toEqual([
      'ssh_host_ed25519_key',
      'ssh_host_ed25519_key.pub',
      'sshd_config',
    ]);
    expect((await readdir(tmpdir())).filter((n) => n.startsWith('ganeti-os-sshkeys-'))).toEqual([]);
  });

  it('refuses to put ssh keys through a guest /etc/ssh symlink to the host', async () => {
    await symlink(outside, join(target, 'etc/ssh'));
    const log = new Logger('debug', new MemorySink());
    await generateSshHostKeys({ runner: new ExecRunner(log), target, name: 'x', types: ['ed25519'] });
    await outsideUntouched();
    expect(await readdir(join(target, outside))).toEqual([
      'ssh_host_ed25519_key',
      'ssh_host_ed25519_key.pub',
    ]);
  });
});
