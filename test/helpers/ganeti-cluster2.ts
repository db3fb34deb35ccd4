/**
 * A real multi-node Ganeti cluster (fake hypervisor, file disks) for end-to-end tests: each node
 * has its own network, mount and UTS namespaces (hostname nodeN.gnt.test), its own Ganeti state,
 * /srv/ganeti (os/ and file-storage/), /etc/ganeti, /etc/default, /var/cache/ganeti-os,
 * /usr/local/lib/ganeti-os, /root/.ssh, /tmp and an sshd with private host keys (the cluster's RSA
 * key is shared, as Ganeti expects; root's keys are authorized on every node). The nodes' veths
 * meet on a bridge in a switch netns; nothing is routed out. Node 1 runs `gnt-cluster init`, the
 * others join with `gnt-node add`. Debian's OS dir /usr/share/ganeti/os is hidden on every node.
 *
 *   const nodes = await upCluster(2);
 *   await must(nodes[0], ['gnt-node', 'list']);
 *   await downCluster();
 */
import { cp, mkdir, readFile, writeFile, chmod, lstat, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { type CmdResult, TOOL_PATH, host, listLoops, mountsBelow, sleep } from './ganeti-host.js';
import { REPO_ROOT } from './ganeti-ours.js';
import {
  C2_BRIDGE,
  C2_CLUSTER,
  C2_CREATED,
  C2_MASTER_IP,
  C2_NETDEV,
  C2_STATE,
  C2_SWITCH,
  C2_SWITCH_NETNS,
  SSHD_CONFIG,
  SSH_INIT_SCRIPT,
  type NodeSpec,
  hostsFile,
  nodeSpec,
  nsEnter,
} from './ganeti-cluster2-spec.js';

export * from './ganeti-cluster2-spec.js';
export type { CmdResult } from './ganeti-host.js';

const IPOLICY =
  'min:cpu-count=1,disk-count=1,disk-size=4,memory-size=4,nic-count=0,spindle-use=0' +
  '/max:cpu-count=64,disk-count=16,disk-size=1048576,memory-size=1048576,nic-count=8,spindle-use=12';

export interface RunOptions {
  input?: string;
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  check?: boolean;
  /** false: the host's network (with the node's mounts), e.g. to reach the Debian mirror. */
  net?: boolean;
}

/** Runs `argv` inside node `n`'s namespaces with a clean environment. */
export async function run(n: NodeSpec, argv: readonly string[], o: RunOptions = {}): Promise<CmdResult> {
  const env = { PATH: TOOL_PATH, HOME: '/root', LANG: 'C.UTF-8', TERM: 'dumb', ...o.env };
  const full = [
    ...nsEnter(n, { net: o.net ?? true }),
    'env',
    '-i',
    ...(o.cwd ? ['-C', o.cwd] : []),
    ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
    ...argv,
  ];
  const r = await host(full[0]!, full.slice(1), {
    input: o.input,
    timeoutMs: o.timeoutMs ?? 300_000,
    check: false,
  });
  if (o.check && r.exitCode !== 0)
    throw new Error(`${n.short}: ${argv.join(' ')} exited ${r.exitCode}:\n${r.stdout}${r.stderr}`);
  return r;
}

export const must = (n: NodeSpec, argv: readonly string[], o: RunOptions = {}): Promise<CmdResult> =>
  run(n, argv, { ...o, check: true });

// ---- host paths the binds need -------------------------------------------------------------

async function readCreated(): Promise<string[]> {
  return JSON.parse(await readFile(C2_CREATED, 'utf8').catch(() => '[]')) as string[];
}

async function ensureHostPath(path: string, kind: 'dir' | 'file'): Promise<void> {
  if (await lstat(path).catch(() => undefined)) return;
  await ensureHostPath(dirname(path), 'dir');
  if (kind === 'dir') await mkdir(path);
  else await writeFile(path, '');
  await writeFile(C2_CREATED, JSON.stringify([...(await readCreated()), path]));
}

interface Bind {
  src: string;
  dst: string;
  kind: 'dir' | 'file';
  rbind?: boolean;
}

function binds(n: NodeSpec): Bind[] {
  const r = n.root;
  return [
    { src: `${r}/lib`, dst: '/var/lib/ganeti', kind: 'dir' },
    { src: `${r}/log`, dst: '/var/log/ganeti', kind: 'dir' },
    { src: `${r}/run`, dst: '/run/ganeti', kind: 'dir' },
    { src: `${r}/run-sshd`, dst: '/run/sshd', kind: 'dir' },
    { src: `${r}/srv`, dst: '/srv/ganeti', kind: 'dir' },
    { src: `${r}/ssh`, dst: '/root/.ssh', kind: 'dir' },
    { src: `${r}/tmp`, dst: '/tmp', kind: 'dir', rbind: true },
    { src: `${r}/etc-ganeti`, dst: '/etc/ganeti', kind: 'dir' },
    { src: `${r}/etc-default`, dst: '/etc/default', kind: 'dir' },
    { src: `${r}/etc-ssh`, dst: '/etc/ssh', kind: 'dir' },
    { src: `${r}/init-ssh`, dst: '/etc/init.d/ssh', kind: 'file' },
    { src: `${r}/cache`, dst: '/var/cache/ganeti-os', kind: 'dir' },
    { src: `${r}/locallib`, dst: '/usr/local/lib/ganeti-os', kind: 'dir' },
    { src: `${r}/hosts`, dst: '/etc/hosts', kind: 'file' },
    { src: `${r}/resolv.conf`, dst: '/etc/resolv.conf', kind: 'file' },
    { src: `${C2_STATE}/empty`, dst: '/usr/share/ganeti/os', kind: 'dir' },
  ];
}

/** Writes node `n`'s private state: Ganeti dirs, copies of /etc/ganeti and /etc/default, ssh. */
async function writeNodeState(n: NodeSpec, count: number, keys: string): Promise<void> {
  const r = n.root;
  for (const d of [
    'lib',
    'log',
    'run',
    'run-sshd',
    'srv/os',
    'srv/file-storage',
    'ssh',
    'tmp',
    'cache',
    'locallib',
    'etc-ssh',
  ])
    await mkdir(`${r}/${d}`, { recursive: true });
  await chmod(`${r}/ssh`, 0o700);
  await chmod(`${r}/tmp`, 0o1777);
  await chmod(`${r}/cache`, 0o700);
  await cp('/etc/ganeti', `${r}/etc-ganeti`, { recursive: true, verbatimSymlinks: true });
  await rm(`${r}/etc-ganeti/instance-debootstrap`, { recursive: true, force: true });
  await writeFile(`${r}/etc-ganeti/file-storage-paths`, '/srv/ganeti/file-storage\n');
  await cp('/etc/default', `${r}/etc-default`, { recursive: true, verbatimSymlinks: true });
  await rm(`${r}/etc-default/ganeti-instance-debootstrap`, { force: true });
  await writeFile(`${r}/hosts`, hostsFile(count));
  await writeFile(`${r}/resolv.conf`, 'nameserver 127.0.0.1\n');
  await writeFile(`${r}/init-ssh`, SSH_INIT_SCRIPT, { mode: 0o755 });
  // sshd: the cluster's RSA host key on every node (Ganeti pins it under the cluster name), a node key.
  const etcSsh = `${r}/etc-ssh`;
  await writeFile(`${etcSsh}/sshd_config`, SSHD_CONFIG);
  for (const f of ['ssh_config', 'moduli']) await cp(`/etc/ssh/${f}`, `${etcSsh}/${f}`);
  for (const f of ['ssh_host_rsa_key', 'ssh_host_rsa_key.pub']) await cp(`${keys}/${f}`, `${etcSsh}/${f}`);
  await chmod(`${etcSsh}/ssh_host_rsa_key`, 0o600);
  await host('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    n.name,
    '-f',
    `${etcSsh}/ssh_host_ed25519_key`,
  ]);
  // root: one key for the whole cluster, authorized everywhere.
  for (const f of ['id_ed25519', 'id_ed25519.pub']) await cp(`${keys}/${f}`, `${r}/ssh/${f}`);
  await chmod(`${r}/ssh/id_ed25519`, 0o600);
  await cp(`${keys}/id_ed25519.pub`, `${r}/ssh/authorized_keys`);
}

async function createNode(n: NodeSpec, count: number, keys: string): Promise<void> {
  await mkdir(n.nsDir, { recursive: true });
  await writeNodeState(n, count, keys);
  for (const b of binds(n)) await ensureHostPath(b.dst, b.kind);

  await host('ip', ['netns', 'add', n.netns]);
  const ipn = (args: string[]) => host('ip', ['-n', n.netns, ...args]);
  await ipn(['link', 'set', 'lo', 'up']);
  await ipn([
    'link',
    'add',
    C2_NETDEV,
    'type',
    'veth',
    'peer',
    'name',
    `p${n.index}`,
    'netns',
    C2_SWITCH_NETNS,
  ]);
  await host('ip', ['-n', C2_SWITCH_NETNS, 'link', 'set', `p${n.index}`, 'master', C2_SWITCH, 'up']);
  await ipn(['link', 'add', C2_BRIDGE, 'type', 'bridge']);
  await ipn(['addr', 'add', `${n.ip}/24`, 'dev', C2_NETDEV]);
  for (const l of [C2_NETDEV, C2_BRIDGE]) await ipn(['link', 'set', l, 'up']);

  await host('mount', ['--bind', n.nsDir, n.nsDir]);
  await host('mount', ['--make-private', n.nsDir]);
  await writeFile(`${n.nsDir}/mnt`, '');
  await writeFile(`${n.nsDir}/uts`, '');
  await host('nsenter', [
    `--net=/run/netns/${n.netns}`,
    'unshare',
    `--mount=${n.nsDir}/mnt`,
    `--uts=${n.nsDir}/uts`,
    '--propagation',
    'private',
    'true',
  ]);
  const ns = (argv: string[]) => host(nsEnter(n)[0]!, [...nsEnter(n).slice(1), ...argv]);
  await ns(['hostname', n.name]);
  await ns(['mount', '-t', 'sysfs', 'sysfs', '/sys']);
  // Our CLI runs from this checkout inside the node; a checkout below /tmp would be hidden by the
  // private /tmp: bind it into the node's tmp dir at the same place first (inside the ns only); the
  // recursive bind of /tmp brings it along.
  if (REPO_ROOT.startsWith('/tmp/')) {
    const inTmp = `${n.root}/tmp/${relative('/tmp', REPO_ROOT)}`;
    await mkdir(inTmp, { recursive: true });
    await ns(['mount', '--bind', REPO_ROOT, inTmp]);
  }
  for (const b of binds(n)) await ns(['mount', b.rbind ? '--rbind' : '--bind', b.src, b.dst]);
  await must(n, ['/usr/sbin/sshd', '-f', '/etc/ssh/sshd_config']);
}

/** Builds a cluster of `count` nodes from scratch (tearing down leftovers first); returns the nodes. */
export async function upCluster(count = 2): Promise<NodeSpec[]> {
  await downCluster();
  const nodes = Array.from({ length: count }, (_, i) => nodeSpec(i + 1));
  try {
    await mkdir(`${C2_STATE}/empty`, { recursive: true });
    await writeFile(C2_CREATED, '[]');
    const keys = `${C2_STATE}/keys`;
    await mkdir(keys, { recursive: true, mode: 0o700 });
    await host('ssh-keygen', [
      '-q',
      '-t',
      'rsa',
      '-b',
      '2048',
      '-N',
      '',
      '-C',
      C2_CLUSTER,
      '-f',
      `${keys}/ssh_host_rsa_key`,
    ]);
    await host('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'root@cluster',
      '-f',
      `${keys}/id_ed25519`,
    ]);
    await ensureHostPath('/run/netns', 'dir');
    await host('ip', ['netns', 'add', C2_SWITCH_NETNS]);
    await host('ip', ['-n', C2_SWITCH_NETNS, 'link', 'add', C2_SWITCH, 'type', 'bridge']);
    await host('ip', ['-n', C2_SWITCH_NETNS, 'link', 'set', C2_SWITCH, 'up']);
    for (const n of nodes) await createNode(n, count, keys);

    const master = nodes[0]!;
    await must(
      master,
      [
        'gnt-cluster',
        'init',
        '--no-ssh-init',
        '--no-etc-hosts',
        '--enabled-hypervisors=fake',
        '--enabled-disk-templates=file',
        '--file-storage-dir=/srv/ganeti/file-storage',
        `--master-netdev=${C2_NETDEV}`,
        '--master-netmask=24',
        `--nic-parameters=mode=bridged,link=${C2_BRIDGE}`,
        `--ipolicy-bounds-specs=${IPOLICY}`,
        C2_CLUSTER,
      ],
      { timeoutMs: 120_000 },
    );
    await waitFor(master, [master.name]);
    for (const n of nodes.slice(1)) {
      await must(master, ['gnt-node', 'add', '--no-ssh-key-check', n.name], { timeoutMs: 180_000 });
    }
    await waitFor(
      master,
      nodes.map((n) => n.name),
    );
    return nodes;
  } catch (e) {
    await downCluster().catch(() => undefined);
    throw e;
  }
}

async function waitFor(master: NodeSpec, names: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const addr = await run(master, ['ip', '-4', '-o', 'addr', 'show', 'dev', C2_NETDEV]);
    const list = await run(master, ['gnt-node', 'list', '--no-headers', '-o', 'name,offline']);
    const up = names.every((nm) =>
      list.stdout.split('\n').some((l) => l.trim().split(/\s+/).join(' ') === `${nm} N`),
    );
    if (addr.stdout.includes(`${C2_MASTER_IP}/`) && list.exitCode === 0 && up) return;
    if (Date.now() > deadline)
      throw new Error(`cluster not up after ${timeoutMs} ms: ${addr.stdout}${list.stdout}${list.stderr}`);
    await sleep(250);
  }
}

// ---- teardown ---------------------------------------------------------------------------------

async function netnsList(): Promise<string[]> {
  const r = await host('ip', ['netns', 'list'], { check: false });
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter(Boolean);
}

const ourNetns = (name: string): boolean => name === C2_SWITCH_NETNS || /^gnc\d+$/.test(name);

async function netnsPids(netns: string): Promise<string[]> {
  const r = await host('ip', ['netns', 'pids', netns], { check: false });
  return r.stdout.split('\n').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
}

async function killIn(netns: string): Promise<void> {
  for (const sig of ['TERM', 'KILL']) {
    const pids = await netnsPids(netns);
    if (pids.length === 0) return;
    await host('kill', [`-${sig}`, ...pids], { check: false });
    for (let t = 0; t < 3000 && (await netnsPids(netns)).length > 0; t += 100) await sleep(100);
  }
  const left = await netnsPids(netns);
  if (left.length > 0) throw new Error(`processes left in netns ${netns}: ${left.join(' ')}`);
}

/** Everything of the cluster goes: processes, loop devices on its files, mounts, netns, state. */
export async function downCluster(): Promise<void> {
  const spaces = (await netnsList()).filter(ourNetns);
  for (const ns of spaces) await killIn(ns);
  for (const name of await readdir(C2_STATE).catch(() => [] as string[])) {
    const m = /^node(\d+)$/.exec(name);
    if (!m) continue;
    const n = nodeSpec(Number(m[1]));
    if ((await mountsBelow(n.nsDir)).includes(`${n.nsDir}/mnt`))
      await detachLoops(nsEnter(n, { net: false }));
  }
  await detachLoops([]);
  for (const m of await mountsBelow(C2_STATE)) await host('umount', ['-l', m], { check: false });
  for (const ns of spaces) await host('ip', ['netns', 'del', ns], { check: false });
  for (const p of (await readCreated()).reverse()) await removeCreated(p);
  const left = await mountsBelow(C2_STATE);
  if (left.length > 0) throw new Error(`still mounted below ${C2_STATE}: ${left.join(', ')}`);
  await rm(C2_STATE, { recursive: true, force: true });
}

const isClusterFile = (f: string): boolean =>
  ['/srv/ganeti/', '/var/lib/ganeti/', `${C2_STATE}/`].some((p) => f.startsWith(p));

async function detachLoops(prefix: readonly string[]): Promise<void> {
  for (const l of await listLoops(prefix)) {
    if (!isClusterFile(l.backFile)) continue;
    const [cmd, ...args] = [...prefix, 'losetup', '-d', l.name];
    await host(cmd, args, { check: false });
  }
}

/** Removes a host path this harness created, while empty and unmounted (never under another harness). */
async function removeCreated(path: string): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  if (!st) return;
  if (st.isDirectory()) {
    if ((await readdir(path)).length > 0) return;
    // Another cluster's mount namespace may have a mount on it: removing it would detach that.
    if ((await netnsList()).some((n) => !ourNetns(n)) && path !== '/run/netns') return;
    for (const m of await mountsBelow(path)) await host('umount', [m], { check: false });
    if ((await mountsBelow(path)).length === 0) await rmdir(path).catch(() => undefined);
  } else if (st.size === 0 && (await mountsBelow(path)).length === 0) {
    await rm(path);
  }
}

/** Whether any of this harness's namespaces exist. */
export async function clusterUp(): Promise<boolean> {
  return (await netnsList()).some(ourNetns);
}

/** Every OS log of node `n`, by name. */
export async function osLogNames(n: NodeSpec): Promise<string[]> {
  return (await readdir(`${n.root}/log/os`).catch(() => [] as string[])).sort();
}
