/**
 * The guest's names: /etc/hostname, /etc/mailname and its own /etc/hosts (never a copy of the
 * node's). Debian convention: /etc/hostname holds the short name, /etc/mailname the FQDN, and hosts
 * maps the FQDN and short name to the instance's first static IPv4 address, or to 127.0.1.1 when it
 * has none.
 */
import { OsError } from '../runtime/errors.js';
import { MANAGED_HEADER, compileTemplate } from './template.js';
import type { GuestFile, GuestInstance } from './types.js';

export interface GuestNames {
  /** First label, e.g. "web-1". */
  short: string;
  /** Fully qualified when known, else equal to short. */
  fqdn: string;
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** Check a host name (RFC 1123 labels); throws E_GUEST_HOSTNAME. */
export function validateHostname(name: string): void {
  const labels = name.replace(/\.$/, '').split('.');
  if (name.length === 0 || name.length > 253 || !labels.every((l) => LABEL.test(l))) {
    throw new OsError('E_GUEST_HOSTNAME', `instance name ${JSON.stringify(name)} is not a valid host name`, {
      hint: 'use letters, digits and dashes in dot-separated labels of at most 63 characters',
    });
  }
}

export function guestNames(info: Pick<GuestInstance, 'name' | 'fqdn'>): GuestNames {
  const name = info.name.replace(/\.$/, '').toLowerCase();
  validateHostname(name);
  const fqdn = (info.fqdn ?? name).replace(/\.$/, '').toLowerCase();
  validateHostname(fqdn);
  const short = name.split('.')[0]!;
  return { short, fqdn: fqdn.includes('.') ? fqdn : name };
}

export type HostnameStyle = 'short' | 'fqdn';

export interface HostnameOptions {
  /** What /etc/hostname holds; default 'short' (Debian policy). */
  style?: HostnameStyle;
  /** Also write /etc/mailname (default true). */
  mailname?: boolean;
}

export function planHostname(
  info: Pick<GuestInstance, 'name' | 'fqdn'>,
  opts: HostnameOptions = {},
): GuestFile[] {
  const n = guestNames(info);
  const files: GuestFile[] = [
    {
      kind: 'file',
      path: '/etc/hostname',
      content: `${opts.style === 'fqdn' ? n.fqdn : n.short}\n`,
      mode: 0o644,
    },
  ];
  if (opts.mailname ?? true)
    files.push({ kind: 'file', path: '/etc/mailname', content: `${n.fqdn}\n`, mode: 0o644 });
  return files;
}

const hostsTemplate = compileTemplate<{ header: string; selfAddress: string; names: string }>(
  `{{header}}
127.0.0.1	localhost
{{selfAddress}}	{{names}}

# The following lines are desirable for IPv6 capable hosts
::1	localhost ip6-localhost ip6-loopback
ff02::1	ip6-allnodes
ff02::2	ip6-allrouters
`,
);

/** The address the instance's own name resolves to: the first static IPv4 of a NIC, else 127.0.1.1. */
function selfAddress(info: Pick<GuestInstance, 'nics'>): string {
  const withIp = [...info.nics]
    .sort((a, b) => a.index - b.index)
    .find((n) => n.ip && /^\d+\.\d+\.\d+\.\d+$/.test(n.ip));
  return withIp?.ip ?? '127.0.1.1';
}

function hostsNames(n: GuestNames): string {
  return n.fqdn === n.short ? n.short : `${n.fqdn} ${n.short}`;
}

export function planHosts(info: Pick<GuestInstance, 'name' | 'fqdn' | 'nics'>): GuestFile[] {
  const n = guestNames(info);
  const content = hostsTemplate({
    header: MANAGED_HEADER,
    selfAddress: selfAddress(info),
    names: hostsNames(n),
  });
  return [{ kind: 'file', path: '/etc/hosts', content, mode: 0o644 }];
}
