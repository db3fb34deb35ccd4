/**
 * Renaming an installed guest: /etc/hostname and /etc/mailname change only when they held the old
 * name (short or fully qualified; the style is kept), and the old names in /etc/hosts become the new
 * ones (host name columns only, whole words). Anything the guest's admin changed is left alone.
 */
import { guestNames, type GuestNames } from './hostname.js';
import type { GuestEdit, WriteReport } from './types.js';
import { writeGuestFiles } from './writer.js';

function replaceNameFile(current: string | undefined, oldN: GuestNames, newN: GuestNames): string | null {
  if (current === undefined) return null;
  const held = current.trim().toLowerCase();
  if (held === oldN.fqdn) return `${newN.fqdn}\n`;
  if (held === oldN.short) return `${newN.short}\n`;
  return null;
}

/** Replace old names by new ones in the name columns of a hosts file. */
export function renameInHosts(current: string, oldN: GuestNames, newN: GuestNames): string {
  const map = new Map<string, string>([
    [oldN.fqdn, newN.fqdn],
    [oldN.short, newN.short],
  ]);
  return current
    .split('\n')
    .map((line) => {
      const m = /^(\s*[^\s#]+)(\s+)([^#]*?)(\s*(#.*)?)$/.exec(line);
      if (!m) return line;
      const [, addr, sep, names, rest] = m;
      const renamed = names!.replace(/[^\s]+/g, (w) => map.get(w.toLowerCase()) ?? w);
      return `${addr}${sep}${renamed}${rest ?? ''}`;
    })
    .join('\n');
}

export function planRename(
  oldName: string,
  newName: string,
  fqdns: { oldFqdn?: string; newFqdn?: string } = {},
): GuestEdit[] {
  const oldN = guestNames({ name: oldName, fqdn: fqdns.oldFqdn });
  const newN = guestNames({ name: newName, fqdn: fqdns.newFqdn });
  return [
    { kind: 'edit', path: '/etc/hostname', apply: (c) => replaceNameFile(c, oldN, newN) },
    { kind: 'edit', path: '/etc/mailname', apply: (c) => replaceNameFile(c, oldN, newN) },
    {
      kind: 'edit',
      path: '/etc/hosts',
      apply: (c) => (c === undefined ? null : renameInHosts(c, oldN, newN)),
    },
  ];
}

/** Apply planRename() to a mounted guest. */
export async function renameGuest(target: string, oldName: string, newName: string): Promise<WriteReport[]> {
  return writeGuestFiles(target, planRename(oldName, newName));
}
