/**
 * Small address helpers for guest network planning: CIDR parsing, IPv6 text form (RFC 5952), and
 * the modified EUI-64 interface identifier that SLAAC would derive from a MAC.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { OsError } from '../../runtime/errors.js';

export interface Cidr {
  address: string;
  prefix: number;
  family: 4 | 6;
}

function bad(what: string, value: string, hint: string): OsError {
  return new OsError('E_GUEST_NETWORK', `${what} ${JSON.stringify(value)} is not valid`, { hint });
}

export function parseCidr(value: string, what = 'subnet'): Cidr {
  const [address = '', prefixText, extra] = value.trim().split('/');
  if (extra !== undefined || prefixText === undefined || !/^\d{1,3}$/.test(prefixText)) {
    throw bad(what, value, 'write it as ADDRESS/PREFIX, e.g. 192.0.2.0/24 or 2001:db8::/64');
  }
  const prefix = Number(prefixText);
  if (isIPv4(address) && prefix <= 32) return { address, prefix, family: 4 };
  if (isIPv6(address) && prefix <= 128) return { address: formatIPv6(parseIPv6(address)), prefix, family: 6 };
  throw bad(what, value, 'write it as ADDRESS/PREFIX, e.g. 192.0.2.0/24 or 2001:db8::/64');
}

export function checkIPv4(value: string, what: string): string {
  if (!isIPv4(value)) throw bad(what, value, 'give a dotted-quad IPv4 address');
  return value;
}

export function checkIPv6(value: string, what: string): string {
  if (!isIPv6(value)) throw bad(what, value, 'give an IPv6 address');
  return formatIPv6(parseIPv6(value));
}

/** IPv6 text -> 8 groups of 16 bits. */
export function parseIPv6(text: string): number[] {
  let t = text.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  if (v4) {
    const o = v4[1]!.split('.').map(Number);
    t =
      t.slice(0, -v4[1]!.length) +
      `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head = '', tail] = t.split('::');
  const h = head ? head.split(':') : [];
  const tl = tail ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - h.length - tl.length;
  const groups = [...h, ...Array<string>(fill).fill('0'), ...tl].map((g) => parseInt(g, 16));
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g) || g < 0 || g > 0xffff)) {
    throw bad('IPv6 address', text, 'give an IPv6 address');
  }
  return groups;
}

/** 8 groups -> RFC 5952 canonical text (lowercase, longest zero run of >= 2 groups as ::). */
export function formatIPv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function normalizeMac(mac: string): string {
  const m = mac.trim().toLowerCase();
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(m)) {
    throw new OsError('E_GUEST_NETWORK', `NIC MAC address ${JSON.stringify(mac)} is not valid`, {
      hint: 'Ganeti passes NIC_<i>_MAC as six colon-separated hex bytes',
    });
  }
  return m;
}

/** The SLAAC address (modified EUI-64) for `mac` in a /64 (or shorter) prefix. */
export function eui64Address(subnet6: Cidr, mac: string): string {
  if (subnet6.family !== 6 || subnet6.prefix > 64) {
    throw new OsError(
      'E_GUEST_NETWORK',
      `cannot derive an EUI-64 address in ${subnet6.address}/${subnet6.prefix}`,
      {
        hint: 'an IPv6 subnet for EUI-64 addressing needs a prefix of /64 or shorter',
      },
    );
  }
  const b = normalizeMac(mac)
    .split(':')
    .map((x) => parseInt(x, 16));
  const id = [((b[0]! ^ 0x02) << 8) | b[1]!, (b[2]! << 8) | 0xff, (0xfe << 8) | b[3]!, (b[4]! << 8) | b[5]!];
  const net = parseIPv6(subnet6.address);
  return formatIPv6([...net.slice(0, 4), ...id]);
}
