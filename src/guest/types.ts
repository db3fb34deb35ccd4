/**
 * The data guest configuration works on: what we know about the instance (filled by the caller from
 * the Ganeti environment; nothing here reads process.env) and what a planner returns (entries for the
 * safe writer). Planners are pure: same input, same entries.
 */
import type { NetworkDns } from '../ganeti/types.js';

/** A Ganeti network a NIC is attached to (the NIC_<i>_NETWORK_* variables). */
export interface GuestNetwork {
  name?: string;
  /** IPv4 subnet in CIDR form, e.g. 192.0.2.0/24. */
  subnet?: string;
  gateway?: string;
  /** IPv6 subnet in CIDR form, e.g. 2001:db8:1::/64. */
  subnet6?: string;
  gateway6?: string;
  /** Resolvers and search domains for the NIC (a static address gets no DNS from DHCP). */
  dns?: NetworkDns;
}

export interface GuestNic {
  /** 0-based Ganeti NIC index. */
  index: number;
  /** aa:00:00:12:34:56 */
  mac: string;
  /** NIC_<i>_IP (usually IPv4; an IPv6 address is accepted too). */
  ip?: string;
  /** NIC_<i>_NAME: the Ganeti NIC name; used as the interface name when it is a valid one. */
  name?: string;
  /** bridged, routed, openvswitch, ... */
  mode?: string;
  link?: string;
  network?: GuestNetwork;
}

export interface GuestDisk {
  index: number;
  /** Size in MiB. */
  sizeMiB?: number;
  uuid?: string;
  path?: string;
  name?: string;
}

/**
 * What guest configuration needs to know about the instance. The Ganeti layer's InstanceInfo
 * (src/ganeti/types.ts) is assignable to it as is; `fqdn` can be added by the caller.
 */
export interface GuestInstance {
  /** INSTANCE_NAME: normally the fully qualified name. */
  name: string;
  /** The fully qualified name when it differs from `name` (or `name` is short). */
  fqdn?: string;
  /** kvm, xen-pvm, xen-hvm, ... */
  hypervisor?: string;
  nics: readonly GuestNic[];
  disks: readonly GuestDisk[];
  /** INSTANCE_HV_<key>, lowercase keys as Ganeti sends them (`serial_console` -> 'True'). */
  hv: Readonly<Record<string, string>>;
  /** INSTANCE_BE_<key>. */
  be: Readonly<Record<string, string>>;
}

/** Numeric owner inside the guest (never resolved through the host's passwd). */
export interface GuestOwner {
  uid: number;
  gid: number;
}

/** Write a regular file (replacing whatever is at the path, symlinks included). */
export interface GuestFile {
  kind: 'file';
  /** Absolute path inside the guest. */
  path: string;
  content: string | Uint8Array;
  mode: number;
  /** Default root:root. */
  owner?: GuestOwner;
}

/** Create or replace a symbolic link. `target` is stored verbatim and never followed by us. */
export interface GuestSymlink {
  kind: 'symlink';
  path: string;
  target: string;
}

/** Make sure a directory exists with this mode (and owner). */
export interface GuestDir {
  kind: 'dir';
  path: string;
  mode: number;
  owner?: GuestOwner;
}

/**
 * Rewrite a text file from its current content (undefined when absent). Returning null leaves the
 * file untouched. Without `mode`/`owner`, an existing file keeps its own; a new one gets 0644 root.
 */
export interface GuestEdit {
  kind: 'edit';
  path: string;
  apply: (current: string | undefined) => string | null;
  mode?: number;
  owner?: GuestOwner;
  /** Shown in the write report instead of the path's content (e.g. 'root password'). */
  what?: string;
}

/** Remove a file or symlink if present (never a directory). */
export interface GuestRemove {
  kind: 'remove';
  path: string;
}

export type GuestEntry = GuestFile | GuestSymlink | GuestDir | GuestEdit | GuestRemove;

export type WriteAction = 'written' | 'unchanged' | 'removed' | 'absent' | 'created-dir' | 'updated-dir';

export interface WriteReport {
  path: string;
  kind: GuestEntry['kind'];
  action: WriteAction;
}
