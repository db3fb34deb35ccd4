import { describe, expect, it } from 'vitest';
import { parseScriptEnv } from '../ganeti/env.js';
import { buildEnv, parseOsParams } from './env.js';

describe('the environment of ganeti-os build', () => {
  const input = {
    os: 'debootstrap',
    variant: 'bookworm',
    name: 'web1',
    disk: '/tmp/web1.raw',
    sizeMiB: 3072,
    params: { 'dns-server': '192.0.2.53', filesystem: 'xfs' },
    debug: true,
    mac: 'aa:00:00:01:02:03',
  };

  it('is what Ganeti passes to create for a one-disk, one-NIC KVM instance', () => {
    const env = buildEnv(input);
    expect(env).toMatchObject({
      OS_API_VERSION: '20',
      OS_NAME: 'debootstrap',
      OS_VARIANT: 'bookworm',
      DEBUG_LEVEL: '1',
      INSTANCE_NAME: 'web1',
      INSTANCE_OS: 'debootstrap+bookworm',
      INSTANCE_SECONDARY_NODES: '',
      HYPERVISOR: 'kvm',
      INSTANCE_HV_serial_console: 'True',
      INSTANCE_BE_maxmem: '1024',
      DISK_COUNT: '1',
      DISK_0_PATH: '/tmp/web1.raw',
      DISK_0_ACCESS: 'rw',
      DISK_0_SIZE: '3072',
      DISK_0_BACKEND_TYPE: 'file:loop',
      NIC_COUNT: '1',
      NIC_0_MAC: 'aa:00:00:01:02:03',
      NIC_0_MODE: 'bridged',
      OSP_DNS_SERVER: '192.0.2.53',
      OSP_FILESYSTEM: 'xfs',
    });
    expect(env).not.toHaveProperty('INSTANCE_REINSTALL');
    const parsed = parseScriptEnv('create', env);
    expect(parsed.instance!.disks[0]!.backendType).toEqual({ kind: 'file', driver: 'loop' });
    expect(parsed.os.params).toEqual({ DNS_SERVER: '192.0.2.53', FILESYSTEM: 'xfs' });
  });

  it('names the OS without a + when there is no variant', () => {
    expect(buildEnv({ ...input, variant: '', debug: false })).toMatchObject({
      INSTANCE_OS: 'debootstrap',
      OS_VARIANT: '',
      DEBUG_LEVEL: '0',
    });
  });

  it('reads -O like gnt-instance add', () => {
    expect(parseOsParams(['a=1,b-c=x,y', 'd=2'])).toEqual({ a: '1', 'b-c': 'x,y', d: '2' });
    expect(() => parseOsParams(['=x'])).toThrow(/expected key=value/);
  });
});
