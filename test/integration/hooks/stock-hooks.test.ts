/**
 * The stock hooks shipped in hooks/ on a real bootstrapped guest: each produces the files it
 * promises, with the contents it promises, and never writes outside the guest.
 */
import { execFileSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/config/paths.js';
import { buildHookEnv, discoverHooks, runHooks } from '../../../src/hooks/index.js';
import { isOsError } from '../../../src/runtime/errors.js';
import { Logger, MemorySink } from '../../../src/runtime/logger.js';
import { ensureMinbaseTar, extractGuest, isRoot, scratch, teardown } from './guest.js';

const STOCK = path.join(packageRoot(), 'hooks');
const KEY1 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGanetiOsTestKeyOne0000000000000000000000000 admin@node';
const KEY2 = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCganetiOsTestKeyTwo== other@node';

let dir: string;
let target: string;
let hooksTmp: string;

async function runStock(
  names: string[],
  ganetiVars: Record<string, string>,
  values: Record<string, unknown> = {},
  redact: string[] = [],
) {
  const sink = new MemorySink();
  const log = new Logger('debug', sink);
  for (const s of redact) log.redact(s);
  const plan = await discoverHooks({ variantHooks: names.map((n) => path.join(STOCK, n)) });
  const env = buildHookEnv({
    ganetiVars,
    nics: [],
    phase: 'post-config',
    os: 'debootstrap',
    variant: 'default',
    target,
    values,
  });
  await runHooks(plan, 'post-config', { env, target, log, tmpDir: hooksTmp });
  return sink.lines;
}

const guest = (p: string) => readFileSync(path.join(target, p), 'utf8');

beforeAll(() => {
  if (isRoot) ensureMinbaseTar();
});
beforeEach(() => {
  dir = scratch('gos-stock-');
  target = extractGuest(dir);
  hooksTmp = path.join(dir, 'tmp');
  mkdirSync(hooksTmp);
});
afterEach(() => {
  expect(teardown(dir, { emptyDirs: [hooksTmp] })).toEqual([]);
});

describe.skipIf(!isRoot)('stock hooks', () => {
  it('every stock hook is executable bash with a header comment', () => {
    for (const f of [
      'ssh-authorized-keys',
      'default-passwords',
      'timezone',
      'hosts',
      'cloud-init-nocloud',
      'example',
    ]) {
      const p = path.join(STOCK, f);
      expect(statSync(p).mode & 0o111, f).not.toBe(0);
      const [shebang, header] = readFileSync(p, 'utf8').split('\n');
      expect(shebang).toBe('#!/bin/bash');
      expect(header).toMatch(new RegExp(`^# ${f}: `));
    }
  });

  it('ssh-authorized-keys installs keys from the OS parameter and the variant, once each, 0600', async () => {
    await runStock(
      ['ssh-authorized-keys'],
      { OSP_SSH_AUTHORIZED_KEYS: `${KEY1}\n${KEY2}` },
      { 'ssh-authorized-keys': [KEY1] },
    );
    expect(guest('root/.ssh/authorized_keys')).toBe(`${KEY1}\n${KEY2}\n`);
    expect(statSync(path.join(target, 'root/.ssh/authorized_keys')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(target, 'root/.ssh')).mode & 0o777).toBe(0o700);
  });

  it('ssh-authorized-keys follows a guest symlink inside the guest, never onto the node', async () => {
    const outside = path.join(dir, 'node-side');
    mkdirSync(outside);
    mkdirSync(path.join(target, outside), { recursive: true });
    symlinkSync(outside, path.join(target, 'root/.ssh')); // absolute link: means the guest's own path
    await runStock(['ssh-authorized-keys'], { OSP_SSH_AUTHORIZED_KEYS: KEY1 });
    expect(readdirSync(outside)).toEqual([]);
    expect(readFileSync(path.join(target, outside, 'authorized_keys'), 'utf8')).toBe(`${KEY1}\n`);
  });

  it('ssh-authorized-keys refuses a line that is not a key', async () => {
    const err = await runStock(['ssh-authorized-keys'], {
      OSP_SSH_AUTHORIZED_KEYS: `${KEY1}\nrm -rf /`,
    }).catch((e: unknown) => e);
    expect(isOsError(err) && err.message).toMatch(
      /ssh-authorized-keys \(post-config\) failed: exit 1: ssh-authorized-keys: input line 2 is not an SSH public key/,
    );
  });

  it('default-passwords sets a SHA-512 hash; the clear password never reaches the log', async () => {
    const secret = 'correct horse battery staple';
    const lines = await runStock(['default-passwords'], { OSP_ROOT_PASSWORD: secret }, {}, [secret]);
    const shadow = guest('etc/shadow')
      .split('\n')
      .find((l) => l.startsWith('root:'))!;
    const hash = shadow.split(':')[1]!;
    expect(hash).toMatch(/^\$6\$/);
    const salt = hash.split('$')[2]!;
    expect(
      execFileSync('openssl', ['passwd', '-6', '-salt', salt, '-stdin'], { input: secret }).toString().trim(),
    ).toBe(hash);
    expect(lines.join('\n')).not.toContain(secret);
    expect(lines).toContain('[default-passwords] password set for: root ');
  });

  it('default-passwords reads instance-debootstrap confdata (user:password) and keeps hashes as given', async () => {
    const own = path.join(dir, 'own-hooks');
    mkdirSync(path.join(own, 'confdata'), { recursive: true });
    execFileSync('cp', [path.join(STOCK, 'default-passwords'), own]);
    const given = execFileSync('openssl', ['passwd', '-6', '-stdin'], { input: 'x' }).toString().trim();
    writeFileSync(path.join(own, 'confdata/defaultpasswords'), `root:s3cr3t\nnobody:${given}\n`);
    const plan = await discoverHooks({ variantHooks: [own] });
    const log = new Logger('info', new MemorySink());
    const env = buildHookEnv({
      ganetiVars: {},
      nics: [],
      phase: 'post-config',
      os: 'debootstrap',
      variant: 'v',
      target,
    });
    await runHooks(plan, 'post-config', { env, target, log, tmpDir: hooksTmp });
    const shadow = guest('etc/shadow');
    expect(shadow).toContain(`nobody:${given}:`);
    expect(shadow).not.toContain('s3cr3t');
    expect(shadow).toMatch(/^root:\$6\$/m);
  });

  it('timezone writes /etc/timezone and /etc/localtime from the variant', async () => {
    await runStock(['timezone'], {}, { timezone: 'Europe/Brussels' });
    expect(guest('etc/timezone')).toBe('Europe/Brussels\n');
    expect(readlinkSync(path.join(target, 'etc/localtime'))).toBe('/usr/share/zoneinfo/Europe/Brussels');
    const err = await runStock(['timezone'], { OSP_TIMEZONE: 'Mars/Olympus' }).catch((e: unknown) => e);
    expect(isOsError(err) && err.message).toMatch(/time zone Mars\/Olympus is not in the guest/);
  });

  it('hosts writes /etc/hostname and /etc/hosts for the instance name', async () => {
    await runStock(['hosts'], { INSTANCE_NAME: 'web1.example.org' });
    expect(guest('etc/hostname')).toBe('web1\n');
    expect(guest('etc/hosts')).toContain('127.0.1.1\tweb1.example.org web1\n');
    expect(guest('etc/hosts')).toContain('::1\tlocalhost ip6-localhost ip6-loopback\n');
    await runStock(['hosts'], { INSTANCE_NAME: 'web1.example.org' }, { 'hostname-fqdn': true });
    expect(guest('etc/hostname')).toBe('web1.example.org\n');
  });

  it('cloud-init-nocloud writes meta-data, user-data and a v2 network-config for every NIC', async () => {
    await runStock(['cloud-init-nocloud'], {
      INSTANCE_NAME: 'web1.example.org',
      INSTANCE_UUID: '0f8b7f1e-1111-2222-3333-444455556666',
      OSP_SSH_AUTHORIZED_KEYS: KEY1,
      OSP_DNS_NAMESERVERS: '192.0.2.53,2001:db8::53',
      NIC_COUNT: '3',
      NIC_0_MAC: 'AA:00:00:11:22:33',
      NIC_0_IP: '192.0.2.10',
      NIC_0_NETWORK_SUBNET: '192.0.2.0/25',
      NIC_0_NETWORK_GATEWAY: '192.0.2.1',
      NIC_0_NETWORK_SUBNET6: '2001:db8:1::/64',
      NIC_0_NETWORK_GATEWAY6: '2001:db8:1::1',
      NIC_1_MAC: 'aa:00:00:44:55:66',
      NIC_2_MAC: 'aa:00:00:77:88:99',
      NIC_2_IP: '2001:db8:2::10',
      NIC_2_NETWORK_SUBNET6: '2001:db8:2::/48',
    });
    const seed = 'var/lib/cloud/seed/nocloud';
    expect(guest(`${seed}/meta-data`)).toBe(
      'instance-id: "0f8b7f1e-1111-2222-3333-444455556666"\nlocal-hostname: "web1.example.org"\n',
    );
    expect(guest(`${seed}/user-data`)).toBe(`#cloud-config\nssh_authorized_keys:\n  - "${KEY1}"\n`);
    expect(statSync(path.join(target, seed, 'user-data')).mode & 0o777).toBe(0o600);
    const dns = '    nameservers:\n      addresses:\n        - "192.0.2.53"\n        - "2001:db8::53"\n';
    expect(guest(`${seed}/network-config`)).toBe(
      'version: 2\nethernets:\n' +
        '  nic0:\n    match:\n      macaddress: "aa:00:00:11:22:33"\n    dhcp4: false\n    dhcp6: false\n    accept-ra: false\n' +
        '    addresses:\n      - "192.0.2.10/25"\n      - "2001:0db8:0001:0000:a800:00ff:fe11:2233/64"\n' +
        '    routes:\n      - to: "0.0.0.0/0"\n        via: "192.0.2.1"\n      - to: "::/0"\n        via: "2001:db8:1::1"\n' +
        dns +
        '  nic1:\n    match:\n      macaddress: "aa:00:00:44:55:66"\n    dhcp4: true\n' +
        dns +
        '  nic2:\n    match:\n      macaddress: "aa:00:00:77:88:99"\n    dhcp4: true\n    dhcp6: false\n    accept-ra: false\n' +
        '    addresses:\n      - "2001:db8:2::10/48"\n' +
        dns,
    );
    // the same files parse as YAML with the expected structure
    const { parse } = await import('yaml');
    const net = parse(guest(`${seed}/network-config`)) as {
      ethernets: Record<string, { addresses?: string[] }>;
    };
    expect(Object.keys(net.ethernets)).toEqual(['nic0', 'nic1', 'nic2']);
  });

  it('cloud-init-nocloud refuses a malformed MAC instead of writing bad YAML', async () => {
    const err = await runStock(['cloud-init-nocloud'], {
      INSTANCE_NAME: 'a',
      NIC_COUNT: '1',
      NIC_0_MAC: 'aa:bb"\nx: y',
    }).catch((e: unknown) => e);
    expect(isOsError(err) && err.message).toMatch(/NIC_0_MAC is not a MAC address/);
    expect(() => lstatSync(path.join(target, 'var/lib/cloud/seed/nocloud/network-config'))).toThrow();
  });

  it('example runs and writes its motd', async () => {
    const lines = await runStock(['example'], { INSTANCE_NAME: 'vm9' });
    expect(guest('etc/motd')).toBe('Welcome to vm9 (installed by ganeti-os)\n');
    expect(lines).toContain('[example] example hook: phase post-config, variant default, instance vm9');
  });
});
