import { describe, expect, it } from 'vitest';
import { OsErrors } from '../runtime/errors.js';
import { loadEnv } from './__fixtures__/load.js';
import { parseScriptEnv } from './env.js';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof OsErrors) return e.problems.map((p) => p.message);
    throw e;
  }
  return [];
}

describe('parseScriptEnv with the environment captured from Ganeti 3.0', () => {
  it('parses the create environment completely', () => {
    const env = parseScriptEnv('create', loadEnv('ganeti-3.0-create.env'));
    expect(env.os).toEqual({
      apiVersion: 20,
      name: 'envdump',
      variant: 'alt',
      debugLevel: 0,
      params: { PROBE_PARAM: 'hello' },
    });
    const inst = env.instance!;
    expect(inst.name).toBe('env1');
    expect(inst.os).toBe('envdump+alt');
    expect(inst.uuid).toBe('415e1e9e-6373-45dd-ad57-98d01e59ee2c');
    expect(inst.primaryNode).toBe('8d843ab7-fe85-4d41-aed5-823efcafceac');
    expect(inst.secondaryNodes).toEqual([]);
    expect(inst.hypervisor).toBe('fake');
    expect(inst.reinstall).toBe(false);
    expect(inst.hv).toEqual({ migration_mode: 'live' });
    expect(inst.be).toMatchObject({ maxmem: '128', always_failover: 'False', vcpus: '1' });
    expect(inst.disks).toHaveLength(2);
    expect(inst.disks[0]).toMatchObject({
      index: 0,
      sizeMiB: 256,
      access: 'rw',
      backendType: { kind: 'file', driver: 'loop' },
    });
    expect(inst.disks[1]).toMatchObject({ index: 1, sizeMiB: 128, name: 'data' });
    expect(inst.nics).toEqual([
      {
        index: 0,
        mac: 'aa:00:00:11:22:33',
        uuid: '54e1d9de-a7f0-4fe1-9928-4b0f3056cd12',
        mode: 'bridged',
        link: 'gntbr0',
        bridge: 'gntbr0',
      },
    ]);
  });

  it('parses the verify environment (no instance variables)', () => {
    const env = parseScriptEnv('verify', loadEnv('ganeti-3.0-verify.env'));
    expect(env.instance).toBeUndefined();
    expect(env.os.variant).toBe('alt');
  });

  it('reads INSTANCE_REINSTALL, OLD_INSTANCE_NAME and the stream variables', () => {
    expect(
      parseScriptEnv('create', loadEnv('ganeti-3.0-create.env', { INSTANCE_REINSTALL: '1' })).instance!
        .reinstall,
    ).toBe(true);
    expect(
      parseScriptEnv('rename', loadEnv('ganeti-3.0-create.env', { OLD_INSTANCE_NAME: 'env0' })).oldName,
    ).toBe('env0');
    const exp = parseScriptEnv(
      'export',
      loadEnv('ganeti-3.0-create.env', {
        EXPORT_DEVICE: '/dev/x',
        EXPORT_DISK_PATH: '/dev/y',
        EXPORT_INDEX: '1',
        EXP_SIZE_FD: '11',
      }),
    );
    expect(exp.export).toEqual({ index: 1, device: '/dev/x', diskPath: '/dev/y', sizeFd: 11 });
    const imp = parseScriptEnv(
      'import',
      loadEnv('ganeti-3.0-create.env', { IMPORT_DEVICE: '/dev/x', IMPORT_INDEX: '0', EXP_SIZE_FD: '11' }),
    );
    expect(imp.import).toMatchObject({ index: 0, device: '/dev/x' });
  });

  it.each([10, 15, 20])('accepts API version %i', (v) => {
    const env = parseScriptEnv(
      'create',
      loadEnv('ganeti-3.0-create.env', { OS_API_VERSION: String(v), OS_VARIANT: v === 10 ? '' : 'alt' }),
    );
    expect(env.os.apiVersion).toBe(v);
  });

  it('parses networks, IPv4 and IPv6, and NIC names', () => {
    const env = parseScriptEnv(
      'create',
      loadEnv('ganeti-3.0-create.env', {
        NIC_COUNT: '2',
        NIC_0_IP: '192.0.2.10',
        NIC_0_NAME: 'front',
        NIC_0_NETWORK_NAME: 'net1',
        NIC_0_NETWORK_UUID: 'u1',
        NIC_0_NETWORK_TAGS: 'a b',
        NIC_0_NETWORK_SUBNET: '192.0.2.0/24',
        NIC_0_NETWORK_GATEWAY: '192.0.2.1',
        NIC_0_NETWORK_SUBNET6: '2001:db8::/64',
        NIC_0_NETWORK_GATEWAY6: '2001:db8::1',
        NIC_0_NETWORK_MAC_PREFIX: 'aa:00:00',
        NIC_1_MAC: 'AA:00:00:00:00:02',
        NIC_1_MODE: 'routed',
        NIC_1_IP: '2001:db8::5',
      }),
    );
    expect(env.instance!.nics[0]).toMatchObject({
      ip: '192.0.2.10',
      name: 'front',
      network: {
        name: 'net1',
        uuid: 'u1',
        tags: ['a', 'b'],
        subnet: '192.0.2.0/24',
        gateway: '192.0.2.1',
        subnet6: '2001:db8::/64',
        gateway6: '2001:db8::1',
        macPrefix: 'aa:00:00',
      },
    });
    expect(env.instance!.nics[1]).toMatchObject({
      mac: 'aa:00:00:00:00:02',
      mode: 'routed',
      ip: '2001:db8::5',
    });
  });

  it('treats an empty OSP_* value as absent', () => {
    const env = parseScriptEnv('verify', loadEnv('ganeti-3.0-verify.env', { OSP_EMPTY: '' }));
    expect(env.os.params).toEqual({ PROBE_PARAM: 'hello' });
  });

  it('reports every problem at once, one line each', () => {
    const p = problems(() =>
      parseScriptEnv('export', {
        OS_API_VERSION: '5',
        DEBUG_LEVEL: 'x',
        DISK_COUNT: 'two',
        NIC_COUNT: '1',
        NIC_0_MAC: 'nope',
        NIC_0_IP: '300.1.1.1',
        NIC_0_NETWORK_SUBNET: '10.0.0.0/33',
        NIC_0_NETWORK_GATEWAY6: 'zz::1::2',
      }),
    );
    expect(p).toEqual([
      expect.stringMatching(/^OS_API_VERSION must be 10, 15 or 20/),
      expect.stringMatching(/^DEBUG_LEVEL must be a non-negative integer/),
      'INSTANCE_NAME is missing',
      expect.stringMatching(/^DISK_COUNT must be a non-negative integer/),
      expect.stringMatching(/^NIC_0_MAC must be a MAC address/),
      expect.stringMatching(/^NIC_0_IP must be an IPv4 or IPv6 address/),
      expect.stringMatching(/^NIC_0_NETWORK_SUBNET must be a network in CIDR form/),
      expect.stringMatching(/^NIC_0_NETWORK_GATEWAY6 must be an IPv4 or IPv6 address/),
      expect.stringMatching(/^EXPORT_INDEX is missing/),
      expect.stringMatching(/^EXPORT_DEVICE is missing/),
    ]);
  });

  it.each([
    ['DISK_0_ACCESS', 'rx', /DISK_0_ACCESS must be rw or ro/],
    ['DISK_0_SIZE', '-1', /DISK_0_SIZE must be a non-negative integer/],
    ['DISK_0_PATH', 'relative/path', /DISK_0_PATH must be an absolute path/],
    ['INSTANCE_NAME', 'bad name', /INSTANCE_NAME is not a valid host name/],
    ['NIC_COUNT', '', /NIC_COUNT must be a non-negative integer/],
  ])('rejects malformed %s=%s', (key, value, re) => {
    expect(
      problems(() => parseScriptEnv('create', loadEnv('ganeti-3.0-create.env', { [key]: value }))),
    ).toEqual([expect.stringMatching(re)]);
  });

  it('requires OLD_INSTANCE_NAME for rename and checks the stream index', () => {
    expect(problems(() => parseScriptEnv('rename', loadEnv('ganeti-3.0-create.env')))).toEqual([
      expect.stringMatching(/^OLD_INSTANCE_NAME is missing/),
    ]);
    expect(
      problems(() =>
        parseScriptEnv(
          'import',
          loadEnv('ganeti-3.0-create.env', { IMPORT_DEVICE: '/dev/x', IMPORT_INDEX: '2' }),
        ),
      ),
    ).toEqual(['IMPORT_INDEX is 2 but DISK_COUNT is 2']);
  });
});
