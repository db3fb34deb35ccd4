import { describe, expect, it } from 'vitest';
import { isOsError } from '../../runtime/errors.js';
import { describeEntries } from '../describe.test-helper.js';
import { NIC_DHCP, NIC_STATIC, NIC_STATIC_NO_NET, NIC_V6_ONLY } from '../instances.test-helper.js';
import { eui64Address, formatIPv6, parseCidr, parseIPv6 } from './addr.js';
import { interfaceName, planNetwork, planNics, planResolvConf } from './index.js';
import type { GuestNic } from '../types.js';

const ifupdown = { stack: 'ifupdown', systemdUnitDir: '/usr/lib/systemd/system' } as const;
const networkd = { stack: 'networkd', systemdUnitDir: '/usr/lib/systemd/system' } as const;

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isOsError(e) ? e.code : 'not-an-OsError';
  }
  return undefined;
}

describe('address helpers', () => {
  it('formats IPv6 canonically', () => {
    expect(formatIPv6(parseIPv6('2001:0DB8:0:0:0:0:0:1'))).toBe('2001:db8::1');
    expect(formatIPv6(parseIPv6('2001:db8:0:1:0:0:0:1'))).toBe('2001:db8:0:1::1');
    expect(formatIPv6(parseIPv6('::'))).toBe('::');
    expect(formatIPv6(parseIPv6('::ffff:192.0.2.1'))).toBe('::ffff:c000:201');
    expect(formatIPv6(parseIPv6('2001:db8:0:1:1:1:1:1'))).toBe('2001:db8:0:1:1:1:1:1');
  });

  it('derives the SLAAC (EUI-64) address from the MAC', () => {
    expect(eui64Address(parseCidr('2001:db8:1::/64'), 'aa:00:00:12:34:56')).toBe(
      '2001:db8:1:0:a800:ff:fe12:3456',
    );
    expect(code(() => eui64Address(parseCidr('2001:db8::/96'), 'aa:00:00:12:34:56'))).toBe('E_GUEST_NETWORK');
  });

  it('parses CIDR and refuses garbage', () => {
    expect(parseCidr('192.0.2.0/24')).toEqual({ address: '192.0.2.0', prefix: 24, family: 4 });
    expect(code(() => parseCidr('192.0.2.0'))).toBe('E_GUEST_NETWORK');
    expect(code(() => parseCidr('192.0.2.0/33'))).toBe('E_GUEST_NETWORK');
  });
});

describe('NIC plans', () => {
  it('names interfaces by NIC name when valid, else nic<index>', () => {
    expect(interfaceName({ index: 0 })).toBe('nic0');
    expect(interfaceName({ index: 1, name: 'backend-v6' })).toBe('backend-v6');
    expect(interfaceName({ index: 2, name: 'eth2' })).toBe('nic2');
    expect(interfaceName({ index: 3, name: 'a-very-long-interface-name' })).toBe('nic3');
    expect(interfaceName({ index: 4, name: 'has space' })).toBe('nic4');
  });

  it('plans DHCP + SLAAC without IP, static with network, IPv6-only network', () => {
    const [dhcp, v6, stat] = planNics([
      NIC_DHCP,
      { ...NIC_STATIC, index: 2, mac: 'aa:00:00:00:00:99' },
      NIC_V6_ONLY,
    ]);
    expect(dhcp).toMatchObject({
      ifname: 'nic0',
      mac: 'aa:00:00:12:34:56',
      ipv4: { mode: 'dhcp' },
      ipv6: { mode: 'slaac' },
    });
    expect(v6).toMatchObject({
      ifname: 'backend-v6',
      ipv4: { mode: 'none' },
      ipv6: { mode: 'static', gateway: '2001:db8:2::1' },
    });
    expect(stat).toMatchObject({
      ipv4: { mode: 'static', address: '192.0.2.10', prefix: 24, gateway: '192.0.2.1' },
    });
  });

  it('accepts an explicit IPv6 NIC address', () => {
    const [p] = planNics([{ index: 0, mac: 'aa:00:00:00:00:01', ip: '2001:DB8::10' }]);
    expect(p).toMatchObject({
      ipv4: { mode: 'none' },
      ipv6: { mode: 'static', address: '2001:db8::10', prefix: 64 },
    });
  });

  it('refuses duplicate MACs, bad MACs and bad IPs', () => {
    expect(code(() => planNics([NIC_DHCP, { ...NIC_DHCP, index: 1 }]))).toBe('E_GUEST_NETWORK');
    expect(code(() => planNics([{ index: 0, mac: 'zz' }]))).toBe('E_GUEST_NETWORK');
    expect(code(() => planNics([{ index: 0, mac: 'aa:00:00:00:00:01', ip: 'pool' }]))).toBe(
      'E_GUEST_NETWORK',
    );
  });
});

describe('network files', () => {
  const three = [NIC_STATIC, { ...NIC_V6_ONLY }, NIC_STATIC_NO_NET];

  it('ifupdown: no NICs leaves only the loopback', async () => {
    await expect(describeEntries(planNetwork([], ifupdown))).toMatchFileSnapshot(
      '../__golden__/network-ifupdown-none.txt',
    );
  });
  it('ifupdown: one DHCP NIC', async () => {
    await expect(describeEntries(planNetwork([NIC_DHCP], ifupdown))).toMatchFileSnapshot(
      '../__golden__/network-ifupdown-dhcp.txt',
    );
  });
  it('ifupdown: three NICs (static dual-stack, IPv6-only with a dashed name, static without network)', async () => {
    await expect(describeEntries(planNetwork(three, ifupdown))).toMatchFileSnapshot(
      '../__golden__/network-ifupdown-three.txt',
    );
  });
  it('networkd: no NICs', async () => {
    await expect(describeEntries(planNetwork([], networkd))).toMatchFileSnapshot(
      '../__golden__/network-networkd-none.txt',
    );
  });
  it('networkd: one DHCP NIC', async () => {
    await expect(describeEntries(planNetwork([NIC_DHCP], networkd))).toMatchFileSnapshot(
      '../__golden__/network-networkd-dhcp.txt',
    );
  });
  it('networkd: three NICs', async () => {
    await expect(describeEntries(planNetwork(three, networkd))).toMatchFileSnapshot(
      '../__golden__/network-networkd-three.txt',
    );
  });
  it('honours a different default IPv4 prefix', () => {
    const [p] = planNics([NIC_STATIC_NO_NET], { defaultPrefix4: 32 });
    expect(p!.ipv4).toEqual({ mode: 'static', address: '198.51.100.7', prefix: 32 });
  });
});

describe('DNS settings', () => {
  const dns = {
    servers: ['192.0.2.53', '2001:DB8::53', '192.0.2.53'],
    search: ['corp.example.org', 'example.org.'],
    domain: 'example.org',
  };
  const staticDns: GuestNic = { ...NIC_STATIC, network: { ...NIC_STATIC.network, dns } };
  // DHCP + SLAAC: no static stanza for ifupdown to carry them.
  const dhcpDns: GuestNic = { ...NIC_DHCP, index: 3, mac: 'aa:00:00:00:00:03', network: { dns } };
  const v6Dns: GuestNic = {
    ...NIC_V6_ONLY,
    network: { ...NIC_V6_ONLY.network, dns: { servers: ['2001:db8:2::53'], search: [] } },
  };

  it('plans resolvers (each once) and the search list with the domain first', () => {
    const [p] = planNics([staticDns]);
    expect(p!.dns).toEqual({
      servers: ['192.0.2.53', '2001:db8::53'],
      search: ['example.org', 'corp.example.org'],
      domain: 'example.org',
    });
    expect(planNics([NIC_STATIC])[0]!.dns).toBeUndefined();
    expect(
      planNics([{ ...NIC_DHCP, network: { dns: { servers: [], search: [] } } }])[0]!.dns,
    ).toBeUndefined();
  });

  it('refuses a resolver that is not an address and a domain that is not a name', () => {
    const bad = (d: GuestNic['network']): GuestNic => ({ ...NIC_DHCP, network: d });
    expect(code(() => planNics([bad({ dns: { servers: ['ns1.example.org'], search: [] } })]))).toBe(
      'E_GUEST_NETWORK',
    );
    expect(code(() => planNics([bad({ dns: { servers: [], search: ['a b'] } })]))).toBe('E_GUEST_NETWORK');
    expect(
      code(() => planNics([bad({ dns: { servers: [], search: [], domain: 'x\nnameserver 1.1.1.1' } })])),
    ).toBe('E_GUEST_NETWORK');
  });

  it('ifupdown: dns-nameservers and dns-search in the static stanza', async () => {
    await expect(describeEntries(planNetwork([staticDns, v6Dns, dhcpDns], ifupdown))).toMatchFileSnapshot(
      '../__golden__/network-ifupdown-dns.txt',
    );
  });
  it('networkd: DNS= and Domains=', async () => {
    await expect(describeEntries(planNetwork([staticDns, v6Dns, dhcpDns], networkd))).toMatchFileSnapshot(
      '../__golden__/network-networkd-dns.txt',
    );
  });
  it("resolv.conf: every NIC's resolvers, the search list; nothing without DNS settings", async () => {
    const file = planResolvConf(planNics([staticDns, v6Dns, dhcpDns]));
    await expect(describeEntries(file ? [file] : [])).toMatchFileSnapshot('../__golden__/resolv-conf.txt');
    expect(planResolvConf(planNics([NIC_STATIC, NIC_V6_ONLY]))).toBeUndefined();
  });
  it('resolv.conf: a domain alone is the domain line; servers alone have no search line', () => {
    const only = (d: NonNullable<GuestNic['network']>['dns']) =>
      planResolvConf(planNics([{ ...NIC_STATIC, network: { dns: d } }]))!.content;
    expect(only({ servers: [], search: [], domain: 'example.org' })).toMatch(/\ndomain example\.org\n$/);
    expect(only({ servers: ['192.0.2.53'], search: [] })).toMatch(/\nnameserver 192\.0\.2\.53\n$/);
    expect(only({ servers: ['192.0.2.53'], search: [] })).not.toMatch(/search|domain/);
  });
});
