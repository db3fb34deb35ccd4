/**
 * Network configuration for every NIC, for the network stack the guest has: ifupdown when it is
 * installed (/etc/network/interfaces + interfaces.d), systemd-networkd otherwise. Interfaces are
 * named by MAC through .link files in both cases, so a NIC's name never depends on probe order.
 */
import type { GuestEntry, GuestNic } from '../types.js';
import { planIfupdown } from './ifupdown.js';
import { planNics, type NetworkModelOptions } from './model.js';
import { planLinkFiles, planNetworkd } from './networkd.js';

export type NetworkStack = 'ifupdown' | 'networkd';

export interface NetworkOptions extends NetworkModelOptions {
  stack: NetworkStack;
  /** Where the guest's packaged systemd units live (from detectGuest). */
  systemdUnitDir: string;
}

export function planNetwork(nics: readonly GuestNic[], opts: NetworkOptions): GuestEntry[] {
  const plans = planNics(nics, opts);
  const links = planLinkFiles(plans);
  if (opts.stack === 'ifupdown') return [...links, ...planIfupdown(plans)];
  return [...links, ...planNetworkd(plans, opts.systemdUnitDir)];
}

export {
  interfaceName,
  planNic,
  planNics,
  type NicPlan,
  type Ipv4Plan,
  type Ipv6Plan,
  type DnsPlan,
} from './model.js';
export { planResolvConf } from './resolv.js';
export { ifupdownStanza } from './ifupdown.js';
export { networkdUnit } from './networkd.js';
