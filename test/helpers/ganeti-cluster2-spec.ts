/**
 * The multi-node test cluster's layout: node names, addresses, namespaces and state dirs. Distinct
 * from the one-node harness (netns `gnt`, /var/lib/ganeti-os-e2e), so both can exist at once.
 */
export const C2_STATE = process.env.GANETI_E2E_CLUSTER_STATE ?? '/var/lib/ganeti-os-e2e-cluster';
export const C2_CLUSTER = 'cluster.gnt.test';
export const C2_NET = '10.250.9';
export const C2_MASTER_IP = `${C2_NET}.100`;
/** The netns holding the switch (a bridge) every node's veth is plugged into. */
export const C2_SWITCH_NETNS = 'gnc-sw';
export const C2_SWITCH = 'gncsw0';
/** In each node's netns: the veth carrying its IP (and the master IP on the master), the NIC bridge. */
export const C2_NETDEV = 'gnt0';
export const C2_BRIDGE = 'gntbr0';
export const C2_CREATED = `${C2_STATE}/created.json`;

export interface NodeSpec {
  index: number;
  /** e.g. node2.gnt.test */
  name: string;
  short: string;
  ip: string;
  netns: string;
  /** Host dir with this node's private state (bind-mount sources). */
  root: string;
  /** Host dir with the persisted mount and UTS namespaces. */
  nsDir: string;
}

export function nodeSpec(index: number): NodeSpec {
  return {
    index,
    name: `node${index}.gnt.test`,
    short: `node${index}`,
    ip: `${C2_NET}.${index}`,
    netns: `gnc${index}`,
    root: `${C2_STATE}/node${index}/root`,
    nsDir: `${C2_STATE}/node${index}/ns`,
  };
}

/** argv prefix entering a node's namespaces; `net: false` keeps the host's network (for mirror access). */
export function nsEnter(n: NodeSpec, o: { net?: boolean } = {}): string[] {
  return [
    'nsenter',
    ...(o.net === false ? [] : [`--net=/run/netns/${n.netns}`]),
    `--mount=${n.nsDir}/mnt`,
    `--uts=${n.nsDir}/uts`,
    '--',
  ];
}

/** /etc/hosts of every node: all nodes and the cluster name. */
export function hostsFile(count: number): string {
  const lines = ['127.0.0.1 localhost'];
  for (let i = 1; i <= count; i++) lines.push(`${nodeSpec(i).ip} ${nodeSpec(i).name} ${nodeSpec(i).short}`);
  lines.push(`${C2_MASTER_IP} ${C2_CLUSTER} cluster`);
  return lines.join('\n') + '\n';
}

export const SSHD_CONFIG = [
  'Port 22',
  'ListenAddress 0.0.0.0',
  'HostKey /etc/ssh/ssh_host_rsa_key',
  'HostKey /etc/ssh/ssh_host_ed25519_key',
  'PermitRootLogin prohibit-password',
  'PubkeyAuthentication yes',
  'PasswordAuthentication no',
  'KbdInteractiveAuthentication no',
  'UsePAM no',
  'PidFile /run/ganeti/sshd.pid',
  'AuthorizedKeysFile .ssh/authorized_keys',
  'Subsystem sftp /usr/lib/openssh/sftp-server',
  '',
].join('\n');

/**
 * Over /etc/init.d/ssh inside a node: Ganeti's `daemon-util reload-ssh-keys` runs
 * `service ssh restart`; this reloads the node's own sshd, never the host's.
 */
export const SSH_INIT_SCRIPT =
  '#!/bin/sh\n[ -f /run/ganeti/sshd.pid ] && kill -HUP "$(cat /run/ganeti/sshd.pid)"\nexit 0\n';
