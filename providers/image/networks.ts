/**
 * instance-image's static addresses (pure): `networks/instances/<instance name>` holds ADDRESS and
 * SUBNET (a name), `networks/subnets/<name>` holds NETMASK, GATEWAY and the DNS_* settings. Its
 * hook sourced them as shell; here they are read as `NAME=value` lines (quotes allowed, `export`
 * and comments ignored) and never run. The address and the DNS settings go to the first NIC, where
 * the shared network configuration makes a static stanza of them and writes /etc/resolv.conf (every
 * other NIC keeps what Ganeti gives it).
 */
import { isIPv4 } from 'node:net';
import { OsError, type InstanceInfo, type NetworkInfo } from 'ganeti-os/sdk';

export interface StaticAddress {
  address: string;
  /** The network in CIDR form, e.g. 192.0.2.0/24. */
  subnet: string;
  gateway?: string;
  dnsServers: string[];
  dnsSearch: string[];
  dnsDomain?: string;
}

const ASSIGN = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/** `NAME=value` lines of a shell file; quotes are removed, expansions are not supported. */
export function parseShellAssignments(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = ASSIGN.exec(line);
    if (!m) {
      throw new OsError('E_VARIANT_VALUE', `${file}:${i + 1}: not a NAME=value line: ${line.slice(0, 60)}`, {
        hint: 'network files hold only NAME=value lines (ADDRESS, SUBNET, NETMASK, GATEWAY, DNS_*)',
      });
    }
    let value = m[2]!.trim();
    const quoted = /^"([^"]*)"\s*(#.*)?$/.exec(value) ?? /^'([^']*)'\s*(#.*)?$/.exec(value);
    if (quoted) value = quoted[1]!;
    else value = value.replace(/\s+#.*$/, '');
    if (!quoted && /[$`\\;&|<>()]/.test(value)) {
      throw new OsError(
        'E_VARIANT_VALUE',
        `${file}:${i + 1}: ${m[1]!} uses shell syntax that is not read here: ${value.slice(0, 60)}`,
        { hint: 'write the value literally, e.g. ADDRESS=192.0.2.10' },
      );
    }
    out[m[1]!] = value;
  });
  return out;
}

/** The prefix length of a dotted netmask (255.255.255.0 -> 24); undefined when not contiguous. */
export function netmaskPrefix(mask: string): number | undefined {
  if (!isIPv4(mask)) return undefined;
  const n = mask.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const bits = n.toString(2).padStart(32, '0');
  return /^1*0*$/.test(bits) ? (bits.indexOf('0') === -1 ? 32 : bits.indexOf('0')) : undefined;
}

function networkOf(address: string, prefix: number): string {
  const n = address.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const net = (n & mask) >>> 0;
  return [24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.');
}

const words = (v: string | undefined): string[] => (v ?? '').split(/[\s,]+/).filter((w) => w !== '');

/** The static address an instance file and its subnet file give. */
export function staticAddress(
  instance: Record<string, string>,
  subnet: Record<string, string>,
  files: { instance: string; subnet: string },
): StaticAddress {
  const bad = (file: string, what: string, hint: string): OsError =>
    new OsError('E_VARIANT_VALUE', `${file}: ${what}`, { hint });
  const address = instance['ADDRESS'] ?? '';
  if (!isIPv4(address))
    throw bad(
      files.instance,
      `ADDRESS ${JSON.stringify(address)} is not an IPv4 address`,
      'set ADDRESS=a.b.c.d',
    );
  const mask = subnet['NETMASK'] ?? '';
  const prefix = netmaskPrefix(mask);
  if (prefix === undefined)
    throw bad(
      files.subnet,
      `NETMASK ${JSON.stringify(mask)} is not a netmask`,
      'set NETMASK=255.255.255.0 or the like',
    );
  const gateway = subnet['GATEWAY'];
  if (gateway && !isIPv4(gateway))
    throw bad(
      files.subnet,
      `GATEWAY ${JSON.stringify(gateway)} is not an IPv4 address`,
      'set GATEWAY=a.b.c.d',
    );
  return {
    address,
    subnet: `${networkOf(address, prefix)}/${prefix}`,
    ...(gateway ? { gateway } : {}),
    dnsServers: words(subnet['DNS_SERVERS']),
    dnsSearch: words(subnet['DNS_SEARCH']),
    ...(subnet['DNS_DOMAIN'] ? { dnsDomain: subnet['DNS_DOMAIN'] } : {}),
  };
}

/** The SUBNET an instance file names, checked to be a file name. */
export function subnetName(instance: Record<string, string>, file: string): string {
  const s = instance['SUBNET'] ?? '';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s)) {
    throw new OsError('E_VARIANT_VALUE', `${file}: SUBNET ${JSON.stringify(s)} is not a subnet file name`, {
      hint: 'set SUBNET=<name> of a file in networks/subnets/',
    });
  }
  return s;
}

/** The files' gateway, or none: Ganeti's is not kept beside an address it did not give. */
function withoutGateway(n: NetworkInfo | undefined): NetworkInfo {
  const { gateway: _gateway, ...rest } = n ?? { tags: [] };
  return rest;
}

/** The instance with the static address on its first NIC (Ganeti's own IP and network replaced). */
export function withStaticAddress(info: InstanceInfo, a: StaticAddress): InstanceInfo {
  const [first, ...rest] = info.nics;
  if (!first) return info;
  const dns: NetworkInfo['dns'] =
    a.dnsServers.length > 0 || a.dnsSearch.length > 0 || a.dnsDomain
      ? { servers: a.dnsServers, search: a.dnsSearch, ...(a.dnsDomain ? { domain: a.dnsDomain } : {}) }
      : undefined;
  return {
    ...info,
    nics: [
      {
        ...first,
        ip: a.address,
        network: {
          ...withoutGateway(first.network),
          subnet: a.subnet,
          ...(a.gateway ? { gateway: a.gateway } : {}),
          ...(dns ? { dns } : {}),
        },
      },
      ...rest,
    ],
  };
}
