import { describe, expect, it } from 'vitest';
import type { InstanceInfo } from 'ganeti-os/sdk';
import {
  netmaskPrefix,
  parseShellAssignments,
  staticAddress,
  subnetName,
  withStaticAddress,
} from './networks.js';

const files = { instance: 'instances/web1', subnet: 'subnets/lan' };

describe("instance-image's network files", () => {
  it('reads NAME=value lines, quoted or not, never running them', () => {
    const text = [
      '# web1',
      'ADDRESS="192.0.2.10"',
      "export SUBNET='lan'",
      'DNS_SERVERS=192.0.2.1 # resolver',
      '',
    ].join('\n');
    expect(parseShellAssignments(text, 'f')).toEqual({
      ADDRESS: '192.0.2.10',
      SUBNET: 'lan',
      DNS_SERVERS: '192.0.2.1',
    });
    expect(() => parseShellAssignments('ADDRESS=$(cat /etc/shadow)\n', 'f')).toThrow(/shell syntax/);
    expect(() => parseShellAssignments('rm -rf /\n', 'f')).toThrow(/f:1: not a NAME=value line/);
  });

  it('netmasks become prefixes; a non-contiguous mask is refused', () => {
    expect(netmaskPrefix('255.255.255.0')).toBe(24);
    expect(netmaskPrefix('255.255.240.0')).toBe(20);
    expect(netmaskPrefix('255.255.255.255')).toBe(32);
    expect(netmaskPrefix('255.0.255.0')).toBeUndefined();
    expect(netmaskPrefix('lan')).toBeUndefined();
  });

  it('an instance file and its subnet give the static address', () => {
    const a = staticAddress(
      { ADDRESS: '192.0.2.10', SUBNET: 'lan' },
      {
        NETMASK: '255.255.255.0',
        GATEWAY: '192.0.2.1',
        DNS_SERVERS: '192.0.2.53,192.0.2.54',
        DNS_SEARCH: 'example.org',
      },
      files,
    );
    expect(a).toEqual({
      address: '192.0.2.10',
      subnet: '192.0.2.0/24',
      gateway: '192.0.2.1',
      dnsServers: ['192.0.2.53', '192.0.2.54'],
      dnsSearch: ['example.org'],
    });
    expect(() => staticAddress({ ADDRESS: 'x' }, { NETMASK: '255.255.255.0' }, files)).toThrow(
      /instances\/web1: ADDRESS "x" is not an IPv4 address/,
    );
    expect(() => subnetName({ SUBNET: '../../etc/passwd' }, 'f')).toThrow(/not a subnet file name/);
    expect(subnetName({ SUBNET: 'lan' }, 'f')).toBe('lan');
  });

  it('the address goes to the first NIC, replacing what Ganeti gave', () => {
    const info = {
      name: 'web1',
      nics: [
        {
          index: 0,
          mac: 'aa:00:00:00:00:01',
          uuid: 'u0',
          mode: 'bridged',
          network: { tags: [], gateway: '10.0.0.1' },
        },
        { index: 1, mac: 'aa:00:00:00:00:02', uuid: 'u1', mode: 'bridged' },
      ],
    } as unknown as InstanceInfo;
    const out = withStaticAddress(info, {
      address: '192.0.2.10',
      subnet: '192.0.2.0/24',
      dnsServers: [],
      dnsSearch: [],
    });
    expect(out.nics[0]).toMatchObject({ ip: '192.0.2.10', network: { subnet: '192.0.2.0/24', tags: [] } });
    expect(out.nics[0]!.network!.gateway).toBeUndefined();
    expect(out.nics[1]).toBe(info.nics[1]);
    expect(out.nics[0]!.network!.dns).toBeUndefined();
  });

  it("carries the subnet's DNS settings on the first NIC's network", () => {
    const info = {
      name: 'web1',
      nics: [{ index: 0, mac: 'aa:00:00:00:00:01', uuid: 'u0', mode: 'bridged' }],
    } as unknown as InstanceInfo;
    const out = withStaticAddress(info, {
      address: '192.0.2.10',
      subnet: '192.0.2.0/24',
      dnsServers: ['192.0.2.53', '192.0.2.54'],
      dnsSearch: ['example.org'],
      dnsDomain: 'example.org',
    });
    expect(out.nics[0]!.network!.dns).toEqual({
      servers: ['192.0.2.53', '192.0.2.54'],
      search: ['example.org'],
      domain: 'example.org',
    });
    const onlyDomain = withStaticAddress(info, {
      address: '192.0.2.10',
      subnet: '192.0.2.0/24',
      dnsServers: [],
      dnsSearch: [],
      dnsDomain: 'example.org',
    });
    expect(onlyDomain.nics[0]!.network!.dns).toEqual({ servers: [], search: [], domain: 'example.org' });
  });
});
