import { describe, expect, it } from 'vitest';
import type { NicInfo } from '../ganeti/types.js';
import { buildHookEnv, hookOwnEnv, nicJson, varName } from './env.js';

const ganeti = {
  OS_API_VERSION: '20',
  OS_NAME: 'debootstrap',
  OS_VARIANT: 'bookworm',
  OSP_FILESYSTEM: 'ext4',
  INSTANCE_NAME: 'web1.example.com',
  INSTANCE_HV_serial_console: 'True',
  HYPERVISOR: 'kvm',
  DEBUG_LEVEL: '0',
  DISK_COUNT: '1',
  DISK_0_PATH: '/dev/xenvg/disk0',
  NIC_COUNT: '2',
  NIC_0_MAC: 'aa:00:00:11:22:33',
  NIC_0_IP: '192.0.2.10',
  NIC_0_MODE: 'bridged',
  NIC_0_LINK: 'br0',
  NIC_0_BRIDGE: 'br0',
  NIC_0_NETWORK_NAME: 'net1',
  NIC_0_NETWORK_SUBNET: '192.0.2.0/24',
  NIC_0_NETWORK_GATEWAY: '192.0.2.1',
  NIC_0_NETWORK_TAGS: 'a b',
  NIC_1_MAC: 'aa:00:00:44:55:66',
  NIC_1_MODE: 'routed',
  NIC_1_IP: '',
  HOME: '/home/someone',
  SSH_AUTH_SOCK: '/tmp/x',
};

const nics: NicInfo[] = [
  {
    index: 0,
    mac: 'aa:00:00:11:22:33',
    uuid: 'u0',
    ip: '192.0.2.10',
    mode: 'bridged',
    link: 'br0',
    bridge: 'br0',
    network: { name: 'net1', subnet: '192.0.2.0/24', gateway: '192.0.2.1', tags: ['a', 'b'] },
  },
  { index: 1, mac: 'aa:00:00:44:55:66', uuid: 'u1', mode: 'routed', ip: '' },
];

describe('hook environment', () => {
  it("gives NICs as JSON with Ganeti's field names, empty values dropped", () => {
    expect(nics.map(nicJson)).toEqual([
      {
        index: 0,
        mac: 'aa:00:00:11:22:33',
        uuid: 'u0',
        ip: '192.0.2.10',
        mode: 'bridged',
        link: 'br0',
        bridge: 'br0',
        network: { name: 'net1', subnet: '192.0.2.0/24', gateway: '192.0.2.1', tags: ['a', 'b'] },
      },
      { index: 1, mac: 'aa:00:00:44:55:66', uuid: 'u1', mode: 'routed' },
    ]);
  });

  it("passes Ganeti variables through, adds the provider's names and ours, drops the rest", () => {
    const env = buildHookEnv({
      ganetiVars: ganeti,
      nics,
      phase: 'post-config',
      os: 'debootstrap',
      variant: 'bookworm',
      target: '/mnt/t',
      blockdev: '/dev/loop0',
      fsysdev: '/dev/loop0p1',
      values: { suite: 'bookworm', 'extra-pkgs': ['a', 'b'], 'hostname-fqdn': false },
      extra: { SUITE: 'bookworm', ARCH: 'amd64', PARTITION_STYLE: 'msdos', EXTRA_PKGS: 'a,b' },
      inherited: { SITE_DOMAIN: 'example.com', SUITE: 'sid', TARGET: '/', OSP_FILESYSTEM: 'xfs' },
    });
    // what the peer's shell files export reaches hooks, but never overrides Ganeti's variables or ours
    expect(env).toMatchObject({
      SITE_DOMAIN: 'example.com',
      SUITE: 'bookworm',
      TARGET: '/mnt/t',
      OSP_FILESYSTEM: 'ext4',
    });
    expect(env).toMatchObject({
      OS_VARIANT: 'bookworm',
      OSP_FILESYSTEM: 'ext4',
      INSTANCE_NAME: 'web1.example.com',
      INSTANCE_HV_serial_console: 'True',
      HYPERVISOR: 'kvm',
      DISK_0_PATH: '/dev/xenvg/disk0',
      NIC_0_IP: '192.0.2.10',
      TARGET: '/mnt/t',
      BLOCKDEV: '/dev/loop0',
      FSYSDEV: '/dev/loop0p1',
      SUITE: 'bookworm',
      ARCH: 'amd64',
      PARTITION_STYLE: 'msdos',
      EXTRA_PKGS: 'a,b',
      GANETI_OS_PHASE: 'post-config',
      GANETI_OS_NAME: 'debootstrap',
      GANETI_OS_VARIANT: 'bookworm',
      GANETI_OS_VAR_SUITE: 'bookworm',
      GANETI_OS_VAR_EXTRA_PKGS: 'a\nb',
      GANETI_OS_VAR_HOSTNAME_FQDN: 'false',
      LC_ALL: 'C',
      HOME: '/root',
    });
    expect(env['SSH_AUTH_SOCK']).toBeUndefined();
    expect(JSON.parse(env['NICS_JSON']!)).toHaveLength(2);
    expect(env['PATH']).toBe('/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  });

  it('names variant keys GANETI_OS_VAR_<KEY>; per-hook HOOKS_DIR and CONFDATA', () => {
    expect(varName('ssh-authorized-keys')).toBe('GANETI_OS_VAR_SSH_AUTHORIZED_KEYS');
    expect(hookOwnEnv('/etc/h', '/etc/h/post-config/10-x')).toEqual({
      HOOKS_DIR: '/etc/h',
      CONFDATA: '/etc/h/confdata',
      GANETI_OS_HOOK: '/etc/h/post-config/10-x',
    });
  });
});
