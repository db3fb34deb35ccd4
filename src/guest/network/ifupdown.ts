/**
 * ifupdown configuration: /etc/network/interfaces keeps only the loopback and sources
 * interfaces.d, where each NIC gets its own stanza file named after its interface.
 */
import { MANAGED_HEADER, compileTemplate } from '../template.js';
import type { GuestFile } from '../types.js';
import type { NicPlan } from './model.js';

const mainTemplate = compileTemplate<{ header: string }>(
  `{{header}}
# The interfaces of this instance are in /etc/network/interfaces.d/, one file each.

source /etc/network/interfaces.d/*

# The loopback network interface
auto lo
iface lo inet loopback
`,
);

interface StanzaData {
  header: string;
  ifname: string;
  mac: string;
  notes: string[];
  inet: string[];
  inet6: string[];
}

const nicTemplate = compileTemplate<StanzaData>(
  `{{header}}
# Ganeti NIC with MAC {{mac}}; the name {{ifname}} is given by a systemd .link file matching that MAC.
{{#each notes}}
# note: {{this}}
{{/each}}
allow-hotplug {{ifname}}
{{#each inet}}
{{this}}
{{/each}}
{{#each inet6}}
{{this}}
{{/each}}
`,
);

/** resolvconf's options (read by the resolvconf package's ifupdown hook), for a static stanza. */
function dnsLines(p: NicPlan): string[] {
  if (!p.dns) return [];
  return [
    ...(p.dns.servers.length > 0 ? [`    dns-nameservers ${p.dns.servers.join(' ')}`] : []),
    ...(p.dns.search.length > 0 ? [`    dns-search ${p.dns.search.join(' ')}`] : []),
  ];
}

export function ifupdownStanza(p: NicPlan): string {
  const notes = [...p.notes];
  // DNS goes with the first static stanza (DHCP brings its own).
  let dns = p.ipv4.mode === 'static' || p.ipv6.mode === 'static' ? dnsLines(p) : [];
  if (p.dns && dns.length === 0) notes.push('DNS settings not written: they need a static address');
  const inet: string[] = [];
  if (p.ipv4.mode === 'dhcp') inet.push(`iface ${p.ifname} inet dhcp`);
  else if (p.ipv4.mode === 'static') {
    inet.push(`iface ${p.ifname} inet static`, `    address ${p.ipv4.address}/${p.ipv4.prefix}`);
    if (p.ipv4.gateway) inet.push(`    gateway ${p.ipv4.gateway}`);
    inet.push(...dns);
    dns = [];
  }
  const inet6: string[] = [];
  if (p.ipv6.mode === 'slaac') inet6.push(`iface ${p.ifname} inet6 auto`);
  else {
    inet6.push(`iface ${p.ifname} inet6 static`, `    address ${p.ipv6.address}/${p.ipv6.prefix}`);
    if (p.ipv6.gateway) inet6.push(`    gateway ${p.ipv6.gateway}`, '    accept_ra 0');
    else inet6.push('    accept_ra 1');
    inet6.push('    autoconf 0', ...dns);
  }
  return nicTemplate({ header: MANAGED_HEADER, ifname: p.ifname, mac: p.mac, notes, inet, inet6 });
}

export function planIfupdown(plans: readonly NicPlan[]): GuestFile[] {
  return [
    {
      kind: 'file',
      path: '/etc/network/interfaces',
      content: mainTemplate({ header: MANAGED_HEADER }),
      mode: 0o644,
    },
    ...plans.map((p): GuestFile => ({
      kind: 'file',
      path: `/etc/network/interfaces.d/${p.ifname}`,
      content: ifupdownStanza(p),
      mode: 0o644,
    })),
  ];
}
