/**
 * From Ganeti NICs to a network plan per interface, independent of the guest's network stack:
 *  - IPv4: static from NIC_<i>_IP with the network's SUBNET (prefix) and GATEWAY; DHCP when the NIC
 *    has no IP; none for an IPv6-only network (SUBNET6 without SUBNET and no IP).
 *  - IPv6: static when NIC_<i>_IP is an IPv6 address, or EUI-64 from the MAC inside SUBNET6 (with
 *    GATEWAY6 as default route, router advertisements then off); otherwise SLAAC (accept RAs).
 *  - DNS: the network's resolvers, domain and search list when it has them (Ganeti's networks do
 *    not; a provider's own files may), checked to be addresses and domain names.
 * Interfaces are matched by MAC and get a stable name: the Ganeti NIC name when it is a valid
 * interface name outside the kernel's own namespaces, else nic<index>.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { OsError } from '../../runtime/errors.js';
import type { GuestNic } from '../types.js';
import { checkIPv4, checkIPv6, eui64Address, normalizeMac, parseCidr } from './addr.js';

export type Ipv4Plan =
  { mode: 'dhcp' } | { mode: 'static'; address: string; prefix: number; gateway?: string } | { mode: 'none' };
export type Ipv6Plan =
  { mode: 'slaac' } | { mode: 'static'; address: string; prefix: number; gateway?: string };

/** Resolvers, then the search list with the domain first (absent when the NIC has no DNS settings). */
export interface DnsPlan {
  servers: string[];
  search: string[];
  domain?: string;
}

export interface NicPlan {
  index: number;
  mac: string;
  ifname: string;
  ipv4: Ipv4Plan;
  ipv6: Ipv6Plan;
  dns?: DnsPlan;
  /** Human-readable notes for the generated file (e.g. "prefix /24 assumed"). */
  notes: string[];
}

export interface NetworkModelOptions {
  /** Prefix used for a static IPv4 without a Ganeti network subnet; default 24. */
  defaultPrefix4?: number;
}

const KERNEL_NAMES = /^(eth|wlan|ens|enp|eno|enx|lo$|sit|tun|tap|veth|bond|br|vlan)/i;

/** The interface name for a NIC (<= 15 chars, stable across boots). */
export function interfaceName(nic: Pick<GuestNic, 'index' | 'name'>): string {
  const n = nic.name?.trim();
  if (n && /^[a-z][a-z0-9_-]{0,14}$/i.test(n) && !KERNEL_NAMES.test(n)) return n;
  return `nic${nic.index}`;
}

function planIpv4(nic: GuestNic, notes: string[], opts: NetworkModelOptions): Ipv4Plan {
  const net = nic.network;
  const ip = nic.ip?.trim();
  if (ip && isIPv4(ip)) {
    let prefix = opts.defaultPrefix4 ?? 24;
    if (net?.subnet) {
      const s = parseCidr(net.subnet, `NIC ${nic.index} network subnet`);
      if (s.family !== 4)
        throw new OsError('E_GUEST_NETWORK', `NIC ${nic.index} network subnet ${net.subnet} is not IPv4`);
      prefix = s.prefix;
    } else {
      notes.push(`no network subnet for ${ip}: prefix /${prefix} assumed`);
    }
    const plan: Ipv4Plan = { mode: 'static', address: ip, prefix };
    if (net?.gateway) plan.gateway = checkIPv4(net.gateway, `NIC ${nic.index} gateway`);
    return plan;
  }
  if (ip && !isIPv6(ip)) {
    throw new OsError('E_GUEST_NETWORK', `NIC ${nic.index} IP ${JSON.stringify(ip)} is not an IP address`, {
      hint: 'set the NIC ip to an address (gnt-instance modify --net N:ip=...) or leave it empty for DHCP',
    });
  }
  if (net?.subnet6 && !net.subnet && !ip) return { mode: 'none' };
  if (ip) return { mode: 'none' }; // IPv6-only NIC with an explicit address
  return { mode: 'dhcp' };
}

function planIpv6(nic: GuestNic, notes: string[]): Ipv6Plan {
  const net = nic.network;
  const ip = nic.ip?.trim();
  const gateway = net?.gateway6 ? checkIPv6(net.gateway6, `NIC ${nic.index} gateway6`) : undefined;
  if (ip && isIPv6(ip)) {
    const prefix = net?.subnet6 ? parseCidr(net.subnet6, `NIC ${nic.index} network subnet6`).prefix : 64;
    if (!net?.subnet6) notes.push(`no network subnet6 for ${ip}: prefix /64 assumed`);
    return gateway
      ? { mode: 'static', address: checkIPv6(ip, `NIC ${nic.index} IP`), prefix, gateway }
      : { mode: 'static', address: checkIPv6(ip, `NIC ${nic.index} IP`), prefix };
  }
  if (net?.subnet6) {
    const s = parseCidr(net.subnet6, `NIC ${nic.index} network subnet6`);
    if (s.family !== 6)
      throw new OsError('E_GUEST_NETWORK', `NIC ${nic.index} network subnet6 ${net.subnet6} is not IPv6`);
    const address = eui64Address(s, nic.mac);
    notes.push(`IPv6 ${address} derived from the MAC (EUI-64) in ${s.address}/${s.prefix}`);
    return gateway
      ? { mode: 'static', address, prefix: s.prefix, gateway }
      : { mode: 'static', address, prefix: s.prefix };
  }
  return { mode: 'slaac' };
}

const DOMAIN = /^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,252})$/;

function checkDomain(value: string, what: string): string {
  if (!DOMAIN.test(value)) {
    throw new OsError('E_GUEST_NETWORK', `${what} ${JSON.stringify(value)} is not a domain name`, {
      hint: 'give domain names of letters, digits, dots and dashes',
    });
  }
  return value.replace(/\.$/, '');
}

function planDns(nic: GuestNic): DnsPlan | undefined {
  const dns = nic.network?.dns;
  if (!dns) return undefined;
  const what = `NIC ${nic.index} DNS`;
  const servers = dns.servers.map((s) =>
    isIPv6(s) ? checkIPv6(s, `${what} server`) : checkIPv4(s, `${what} server`),
  );
  const domain = dns.domain ? checkDomain(dns.domain, `${what} domain`) : undefined;
  const search = [
    ...(domain ? [domain] : []),
    ...dns.search.map((d) => checkDomain(d, `${what} search domain`)),
  ];
  if (servers.length === 0 && search.length === 0) return undefined;
  return {
    servers: [...new Set(servers)],
    search: [...new Set(search)],
    ...(domain ? { domain } : {}),
  };
}

export function planNic(nic: GuestNic, opts: NetworkModelOptions = {}): NicPlan {
  const notes: string[] = [];
  const mac = normalizeMac(nic.mac);
  const dns = planDns(nic);
  return {
    index: nic.index,
    mac,
    ifname: interfaceName(nic),
    ipv4: planIpv4(nic, notes, opts),
    ipv6: planIpv6(nic, notes),
    ...(dns ? { dns } : {}),
    notes,
  };
}

/** Plans for every NIC, by index; refuses duplicate MACs or interface names. */
export function planNics(nics: readonly GuestNic[], opts: NetworkModelOptions = {}): NicPlan[] {
  const plans = [...nics].sort((a, b) => a.index - b.index).map((n) => planNic(n, opts));
  const seen = new Map<string, number>();
  for (const p of plans) {
    for (const key of [`mac ${p.mac}`, `name ${p.ifname}`]) {
      const other = seen.get(key);
      if (other !== undefined) {
        throw new OsError('E_GUEST_NETWORK', `NICs ${other} and ${p.index} have the same ${key}`, {
          hint: 'give every NIC its own MAC address and name',
        });
      }
      seen.set(key, p.index);
    }
  }
  return plans;
}
