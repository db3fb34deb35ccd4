/**
 * The Debian family (Debian, and derivatives bootstrapped from a Debian archive): apt sources for
 * the suite the guest was made from, ifupdown recognised by its dpkg lists, services kept from
 * starting while commands run in the guest (policy-rc.d), locales generated with locale-gen, and
 * /etc/debian_version as the mark of a Debian tree.
 */
import { guestPathKind } from '../guest-path.js';
import type { GuestFamily } from '../family.js';
import { planAptSources, type AptOptions } from './apt.js';

const DPKG_IFUPDOWN = ['/var/lib/dpkg/info/ifupdown.list', '/var/lib/dpkg/info/ifupdown2.list'];
const C_LOCALES = ['C.UTF-8', 'C', 'POSIX'];

export function debianFamily(o: { apt?: AptOptions } = {}): GuestFamily {
  return {
    name: 'debian',
    async detectNetwork(target) {
      for (const p of DPKG_IFUPDOWN) if ((await guestPathKind(target, p)) !== undefined) return 'ifupdown';
      return undefined;
    },
    plan: () => (o.apt ? planAptSources(o.apt) : []),
    commands: ({ locale }) =>
      C_LOCALES.includes(locale)
        ? []
        : [{ argv: ['locale-gen'], code: 'E_GUEST_LOCALE', hint: `is ${locale} a valid locale?` }],
    chroot: {
      env: { DEBIAN_FRONTEND: 'noninteractive', DEBCONF_NONINTERACTIVE_SEEN: 'true' },
      policyRcD: true,
    },
    marker: '/etc/debian_version',
  };
}
