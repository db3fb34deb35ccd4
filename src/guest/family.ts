/**
 * What a distribution family adds to the shared guest configuration, behind one interface (one
 * module per family, as mkosi has one per distribution): Debian's apt sources, dpkg-based
 * detection, policy-rc.d and locale-gen live in src/guest/debian/, not in the shared planners. A
 * provider picks the family of its guests and may skip any shared step its guest does itself.
 */
import type { NetworkStack } from './network/index.js';
import type { GuestEntry } from './types.js';

export interface GuestCommand {
  argv: string[];
  code: 'E_GUEST_LOCALE';
  hint: string;
}

export interface GuestFamily {
  name: string;
  /** The network stack the guest has, when the family can tell better than the generic check. */
  detectNetwork?(target: string): Promise<NetworkStack | undefined>;
  /** The family's own files (apt sources). */
  plan?(): GuestEntry[];
  /** Commands run inside the guest after its files are written (locale-gen). */
  commands?(settings: { locale: string }): GuestCommand[];
  /** While commands run in the guest: their environment, and whether services are kept from starting. */
  chroot: { env: Readonly<Record<string, string>>; policyRcD: boolean };
  /** A file every tree of the family has: an imported disk 0 without it is refused. */
  marker?: string;
}

/** Any Linux guest: nothing beyond the shared steps. */
export const LINUX_FAMILY: GuestFamily = { name: 'linux', chroot: { env: {}, policyRcD: false } };

/** The shared steps, each of which a provider whose guest configures itself can skip. */
export const GUEST_STEPS = [
  'hostname',
  'identity',
  'accounts',
  'fstab',
  'network',
  'console',
  'locale',
  'ssh-host-keys',
] as const;
export type GuestStep = (typeof GUEST_STEPS)[number];

export interface GuestPolicy {
  family: GuestFamily;
  skip?: readonly GuestStep[];
}

export function runsStep(policy: GuestPolicy, step: GuestStep): boolean {
  return !(policy.skip ?? []).includes(step);
}
