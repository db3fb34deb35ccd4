import { describe, expect, it } from 'vitest';
import { isOsError } from '../../runtime/errors.js';
import { describeEntries } from '../describe.test-helper.js';
import { NIC_DHCP, NIC_STATIC, NIC_STATIC_NO_NET, NIC_V6_ONLY } from '../instances.test-helper.js';
import { eui64Address, formatIPv6, parseCidr, parseIPv6 } from './addr.js';
import { interfaceName, planNetwork, planNics } from './index.js';

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
