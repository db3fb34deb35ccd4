/**
 * systemd configuration: a .link file per NIC that names it by MAC (honoured by udev, so it serves
 * ifupdown guests too), and for networkd guests a .network file per NIC matched by MAC, plus the
 * symlinks that `systemctl enable systemd-networkd` would create.
 */
import { MANAGED_HEADER, compileTemplate } from '../template.js';
import type { GuestEntry, GuestFile } from '../types.js';
import type { NicPlan } from './model.js';

const linkTemplate = compileTemplate<{ header: string; mac: string; ifname: string }>(
  `{{header}}
[Match]
MACAddress={{mac}}

[Link]
Name={{ifname}}
`,
);

const networkTemplate = compileTemplate<{ header: string; mac: string; notes: string[]; lines: string[] }>(
  `{{header}}
{{#each notes}}
# note: {{this}}
{{/each}}
[Match]
MACAddress={{mac}}

[Network]
{{#each lines}}
{{this}}
{{/each}}
`,
);

function linkFileName(p: NicPlan): string {
  return `/etc/systemd/network/10-ganeti-${p.ifname}.link`;
}

export function planLinkFiles(plans: readonly NicPlan[]): GuestFile[] {
  return plans.map((p) => ({
    kind: 'file',
    path: linkFileName(p),
    content: linkTemplate({ header: MANAGED_HEADER, mac: p.mac, ifname: p.ifname }),
    mode: 0o644,
  }));
}

export function networkdUnit(p: NicPlan): string {
  const lines: string[] = [];
  lines.push(`DHCP=${p.ipv4.mode === 'dhcp' ? 'ipv4' : 'no'}`);
  const acceptRa = p.ipv6.mode === 'slaac' || (p.ipv6.mode === 'static' && !p.ipv6.gateway);
  lines.push(`IPv6AcceptRA=${acceptRa ? 'yes' : 'no'}`);
  if (p.ipv4.mode === 'static') {
    lines.push(`Address=${p.ipv4.address}/${p.ipv4.prefix}`);
    if (p.ipv4.gateway) lines.push(`Gateway=${p.ipv4.gateway}`);
  }
  if (p.ipv6.mode === 'static') {
    lines.push(`Address=${p.ipv6.address}/${p.ipv6.prefix}`);
    if (p.ipv6.gateway) lines.push(`Gateway=${p.ipv6.gateway}`);
  }
  for (const server of p.dns?.servers ?? []) lines.push(`DNS=${server}`);
  if (p.dns && p.dns.search.length > 0) lines.push(`Domains=${p.dns.search.join(' ')}`);
  return networkTemplate({ header: MANAGED_HEADER, mac: p.mac, notes: p.notes, lines });
}

export function planNetworkd(plans: readonly NicPlan[], unitDir: string): GuestEntry[] {
  const entries: GuestEntry[] = plans.map((p) => ({
    kind: 'file',
    path: `/etc/systemd/network/10-ganeti-${p.ifname}.network`,
    content: networkdUnit(p),
    mode: 0o644,
  }));
  entries.push(
    {
      kind: 'symlink',
      path: '/etc/systemd/system/multi-user.target.wants/systemd-networkd.service',
      target: `${unitDir}/systemd-networkd.service`,
    },
    {
      kind: 'symlink',
      path: '/etc/systemd/system/sockets.target.wants/systemd-networkd.socket',
      target: `${unitDir}/systemd-networkd.socket`,
    },
  );
  return entries;
}
