/**
 * The namespaces the Ganeti test cluster lives in: a netns with a veth pair and a bridge (no route
 * out), and a private mount + UTS namespace persisted as nsfs bind mounts under STATE_DIR. Inside,
 * the hostname is NODE_NAME and Ganeti's state, log, run and file-storage dirs, /root/.ssh, /etc/hosts,
 * /etc/resolv.conf, /etc/ganeti/file-storage-paths and /tmp are private bind mounts from ROOT_DIR.
 * Host paths that had to be created as mount points are recorded in CREATED_FILE and removed again.
 */
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readFile, readdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BRIDGE,
  CLUSTER_NAME,
  CREATED_FILE,
  FILE_STORAGE_DIR,
  MASTER_IP,
  MASTER_NETDEV,
  NETNS,
  NODE_IP,
  NODE_NAME,
  NS_DIR,
  ROOT_DIR,
  STATE_DIR,
  host,
  listLoops,
  mountsBelow,
  sleep,
} from './ganeti-host.js';

/** argv prefix that enters all harness namespaces. */
export const NS_ENTER: readonly string[] = [
  'nsenter',
  `--net=/run/netns/${NETNS}`,
  `--mount=${NS_DIR}/mnt`,
  `--uts=${NS_DIR}/uts`,
  '--',
];

/** An empty directory that hides whatever it is bind-mounted over (inside the mount namespace). */
export const EMPTY_DIR = `${ROOT_DIR}/empty`;

interface Bind {
  src: string;
  dst: string;
  kind: 'dir' | 'file';
}

/** This checkout (the CLI the tests run lives in dist/ below it). */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const BINDS: Bind[] = [
  { src: `${ROOT_DIR}/lib`, dst: '/var/lib/ganeti', kind: 'dir' },
  { src: `${ROOT_DIR}/log`, dst: '/var/log/ganeti', kind: 'dir' },
  { src: `${ROOT_DIR}/run`, dst: '/run/ganeti', kind: 'dir' },
  { src: `${ROOT_DIR}/file-storage`, dst: FILE_STORAGE_DIR, kind: 'dir' },
  { src: `${ROOT_DIR}/ssh`, dst: '/root/.ssh', kind: 'dir' },
  { src: `${ROOT_DIR}/tmp`, dst: '/tmp', kind: 'dir' },
  { src: `${ROOT_DIR}/etc/hosts`, dst: '/etc/hosts', kind: 'file' },
  { src: `${ROOT_DIR}/etc/resolv.conf`, dst: '/etc/resolv.conf', kind: 'file' },
  { src: `${ROOT_DIR}/etc/file-storage-paths`, dst: '/etc/ganeti/file-storage-paths', kind: 'file' },
];

/** Host dirs the tests write OS dirs into; created (and recorded) when missing. */
const EXTRA_HOST_DIRS = ['/srv/ganeti/os'];

async function readCreated(): Promise<string[]> {
  const text = await readFile(CREATED_FILE, 'utf8').catch(() => '[]');
  return JSON.parse(text) as string[];
}

async function recordCreated(path: string): Promise<void> {
  const list = await readCreated();
  list.push(path);
  await writeFile(CREATED_FILE, JSON.stringify(list));
}

/** Creates `path` (and missing parents) on the host, recording each one created. */
async function ensureHostPath(path: string, kind: 'dir' | 'file'): Promise<void> {
  if (await lstat(path).catch(() => undefined)) return; // a (dangling) symlink counts: never write through it
  await ensureHostPath(dirname(path), 'dir');
  if (kind === 'dir') await mkdir(path);
  else await writeFile(path, '');
  await recordCreated(path);
}

async function ns(argv: readonly string[]): Promise<void> {
  await host(NS_ENTER[0]!, [...NS_ENTER.slice(1), ...argv]);
}

export async function netnsExists(): Promise<boolean> {
  const r = await host('ip', ['netns', 'list'], { check: false });
  return r.stdout.split('\n').some((l) => l.split(' ')[0] === NETNS);
}

export async function namespacesExist(): Promise<boolean> {
  return (await netnsExists()) && (await mountsBelow(NS_DIR)).includes(`${NS_DIR}/mnt`);
}

async function writeStateFiles(): Promise<void> {
  for (const d of ['lib', 'log', 'run', 'file-storage', 'ssh', 'tmp', 'etc', 'empty']) {
    await mkdir(`${ROOT_DIR}/${d}`, { recursive: true });
  }
  await chmod(`${ROOT_DIR}/ssh`, 0o700);
  await chmod(`${ROOT_DIR}/tmp`, 0o1777);
  await writeFile(
    `${ROOT_DIR}/etc/hosts`,
    `127.0.0.1 localhost\n${NODE_IP} ${NODE_NAME} node1\n${MASTER_IP} ${CLUSTER_NAME} cluster\n`,
  );
  await writeFile(`${ROOT_DIR}/etc/resolv.conf`, 'nameserver 127.0.0.1\n');
  await writeFile(`${ROOT_DIR}/etc/file-storage-paths`, `${FILE_STORAGE_DIR}\n`);
}

/** Creates the netns, the persisted mount/UTS namespaces and every bind mount. */
export async function createNamespaces(): Promise<void> {
  await mkdir(NS_DIR, { recursive: true });
  await writeFile(CREATED_FILE, '[]');
  await writeStateFiles();
  for (const b of BINDS) await ensureHostPath(b.dst, b.kind);
  for (const d of EXTRA_HOST_DIRS) await ensureHostPath(d, 'dir');

  // Network: both veth ends live inside the netns; nothing is routed out of it.
  await ensureHostPath('/run/netns', 'dir');
  await host('ip', ['netns', 'add', NETNS]);
  const ipns = (args: string[]): Promise<unknown> => host('ip', ['-n', NETNS, ...args]);
  await ipns(['link', 'set', 'lo', 'up']);
  await ipns(['link', 'add', MASTER_NETDEV, 'type', 'veth', 'peer', 'name', `${MASTER_NETDEV}p`]);
  await ipns(['link', 'add', BRIDGE, 'type', 'bridge']);
  await ipns(['addr', 'add', `${NODE_IP}/24`, 'dev', MASTER_NETDEV]);
  for (const l of [MASTER_NETDEV, `${MASTER_NETDEV}p`, BRIDGE]) await ipns(['link', 'set', l, 'up']);

  // Mount + UTS namespaces, persisted on a private bind mount of NS_DIR.
  await host('mount', ['--bind', NS_DIR, NS_DIR]);
  await host('mount', ['--make-private', NS_DIR]);
  await writeFile(`${NS_DIR}/mnt`, '');
  await writeFile(`${NS_DIR}/uts`, '');
  await host('nsenter', [
    `--net=/run/netns/${NETNS}`,
    'unshare',
    `--mount=${NS_DIR}/mnt`,
    `--uts=${NS_DIR}/uts`,
    '--propagation',
    'private',
    'true',
  ]);

  await ns(['hostname', NODE_NAME]);
  // sysfs must show the netns (Ganeti checks the bridge under /sys/class/net).
  await ns(['mount', '-t', 'sysfs', 'sysfs', '/sys']);
  // The tests run this checkout's CLI inside the namespaces. A checkout below /tmp would be hidden by
  // the private /tmp: bind it (inside the ns only) into the private tmp dir at the same place first,
  // and bind /tmp recursively so it comes along.
  if (REPO_ROOT.startsWith('/tmp/')) {
    const inTmp = `${ROOT_DIR}/tmp/${relative('/tmp', REPO_ROOT)}`;
    await mkdir(inTmp, { recursive: true });
    await ns(['mount', '--bind', REPO_ROOT, inTmp]);
  }
  for (const b of BINDS) {
    // /etc/resolv.conf may be a symlink (systemd-resolved); the bind follows it, inside the ns only.
    // If its target is missing, lookups fail fast anyway: there is no route out of the netns.
    const optional = b.dst === '/etc/resolv.conf';
    await ns(['mount', b.dst === '/tmp' ? '--rbind' : '--bind', b.src, b.dst]).catch((err: unknown) => {
      if (!optional) throw err;
    });
  }
  // On systemd hosts daemon-util would start the daemons via systemctl, outside the namespaces.
  if (existsSync('/run/systemd/system')) await ns(['mount', '--bind', EMPTY_DIR, '/run/systemd']);
}

async function killNetnsProcesses(): Promise<void> {
  for (const [signal, waitMs] of [
    ['TERM', 3_000],
    ['KILL', 3_000],
  ] as const) {
    const pids = await netnsPids();
    if (pids.length === 0) return;
    await host('kill', [`-${signal}`, ...pids], { check: false });
    for (let t = 0; t < waitMs && (await netnsPids()).length > 0; t += 100) await sleep(100);
  }
  const left = await netnsPids();
  if (left.length > 0) throw new Error(`processes left in netns ${NETNS} after KILL: ${left.join(' ')}`);
}

async function netnsPids(): Promise<string[]> {
  const r = await host('ip', ['netns', 'pids', NETNS], { check: false });
  return r.stdout.split('\n').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
}

/** Loop devices whose backing file is Ganeti disk or harness state (these paths resolve inside the ns). */
function isHarnessLoop(backFile: string): boolean {
  return [FILE_STORAGE_DIR, '/var/lib/ganeti/', STATE_DIR].some((p) => backFile.startsWith(p));
}

async function detachLoops(prefix: readonly string[]): Promise<void> {
  for (const l of await listLoops(prefix)) {
    if (!isHarnessLoop(l.backFile)) continue;
    const [cmd, ...args] = [...prefix, 'losetup', '-d', l.name];
    await host(cmd, args, { check: false });
  }
}

/**
 * Tears everything down, tolerating any partial state (a run killed midway): processes in the netns,
 * loop devices on harness files, the namespaces, created host paths, then STATE_DIR itself.
 */
export async function destroyNamespaces(): Promise<void> {
  if (await netnsExists()) await killNetnsProcesses();
  if (await namespacesExist()) await detachLoops(NS_ENTER);
  await detachLoops([]);
  for (const m of await mountsBelow(STATE_DIR)) await host('umount', ['-l', m], { check: false });
  if (await netnsExists()) await host('ip', ['netns', 'del', NETNS]);

  for (const p of (await readCreated()).reverse()) await removeCreated(p);

  const left = await mountsBelow(STATE_DIR);
  if (left.length > 0) throw new Error(`still mounted below ${STATE_DIR}: ${left.join(', ')}`);
  await rm(STATE_DIR, { recursive: true, force: true });
}

/** Removes a host path the harness created, but only while it is empty and nothing is mounted on it. */
async function removeCreated(path: string): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  if (!st) return;
  if (st.isDirectory()) {
    if ((await readdir(path)).length > 0) return;
    // `ip netns add` leaves /run/netns as a self-bind mount.
    for (const m of await mountsBelow(path)) await host('umount', [m], { check: false });
    if ((await mountsBelow(path)).length === 0) await rmdir(path).catch(() => undefined);
  } else if (st.size === 0 && (await mountsBelow(path)).length === 0) {
    await rm(path);
  }
}
