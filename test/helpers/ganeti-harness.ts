/**
 * A real one-node Ganeti cluster (fake hypervisor, file disks) inside private namespaces, for
 * end-to-end tests. `up()` builds it from scratch (tearing down anything a killed run left),
 * `run()` executes a command inside it with a clean environment, `down()` removes every trace.
 *
 *   await up();
 *   const r = await run(['gnt-os', 'list']);
 *   await down();
 *
 * The host's OS search dirs (/srv/ganeti/os, /usr/share/ganeti/os, ...) are shared with the cluster;
 * `privateOsDir()` gives it its own empty /srv/ganeti/os and `hideOsDir()` masks one inside the cluster.
 */
import { mkdir, readFile, readdir, stat } from 'node:fs/promises';
import {
  BRIDGE,
  CLUSTER_NAME,
  EXPORT_DIR,
  FILE_STORAGE_DIR,
  MASTER_IP,
  MASTER_NETDEV,
  NODE_NAME,
  ROOT_DIR,
  TOOL_PATH,
  type CmdResult,
  host,
  sleep,
} from './ganeti-host.js';
import { EMPTY_DIR, NS_ENTER, createNamespaces, destroyNamespaces, namespacesExist } from './ganeti-ns.js';

export {
  CLUSTER_NAME,
  EXPORT_DIR,
  FILE_STORAGE_DIR,
  NODE_NAME,
  OS_LOG_DIR,
  ROOT_DIR,
  STATE_DIR,
  ganetiOsSearchPath,
  listLoops,
  mountsBelow,
} from './ganeti-host.js';
export type { CmdResult } from './ganeti-host.js';

/** Instance policy: minimum disk size 4 MiB instead of 1 GiB, so tests can use small disks. */
const IPOLICY =
  'min:cpu-count=1,disk-count=1,disk-size=4,memory-size=4,nic-count=0,spindle-use=0' +
  '/max:cpu-count=64,disk-count=16,disk-size=1048576,memory-size=1048576,nic-count=8,spindle-use=12';

export interface RunOptions {
  /** Text fed to stdin (otherwise stdin is /dev/null). */
  input?: string;
  /** Extra environment variables on top of the clean one. */
  env?: Record<string, string>;
  /** Working directory inside the namespaces. */
  cwd?: string;
  timeoutMs?: number;
  /** Throw when the command exits non-zero (default false). */
  check?: boolean;
}

/** The argv that runs `argv` inside the cluster's namespaces with a clean environment. */
export function nsArgv(argv: readonly string[], opts: Pick<RunOptions, 'env' | 'cwd'> = {}): string[] {
  const env = { PATH: TOOL_PATH, HOME: '/root', LANG: 'C.UTF-8', TERM: 'dumb', ...opts.env };
  const cwd = opts.cwd ? ['-C', opts.cwd] : [];
  return [...NS_ENTER, 'env', '-i', ...cwd, ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv];
}

/** Runs `argv` inside the cluster (network, mount and UTS namespaces) and returns its result. */
export async function run(argv: readonly string[], opts: RunOptions = {}): Promise<CmdResult> {
  const [cmd, ...args] = nsArgv(argv, opts);
  const r = await host(cmd!, args, { input: opts.input, timeoutMs: opts.timeoutMs ?? 300_000, check: false });
  if (opts.check && r.exitCode !== 0) {
    throw new Error(`${argv.join(' ')} exited ${r.exitCode}:\n${r.stdout}${r.stderr}`);
  }
  return r;
}

/** `run(argv, {check: true})`: for steps that must succeed. */
export function must(argv: readonly string[], opts: RunOptions = {}): Promise<CmdResult> {
  return run(argv, { ...opts, check: true });
}

/** Creates the namespaces, initialises the cluster and waits until the master is fully up. */
export async function up(): Promise<void> {
  await down();
  try {
    await createNamespaces();
    await must(
      [
        'gnt-cluster',
        'init',
        '--no-ssh-init',
        '--no-etc-hosts',
        '--enabled-hypervisors=fake',
        '--enabled-disk-templates=file',
        `--file-storage-dir=${FILE_STORAGE_DIR}`,
        `--master-netdev=${MASTER_NETDEV}`,
        '--master-netmask=24',
        `--nic-parameters=mode=bridged,link=${BRIDGE}`,
        `--ipolicy-bounds-specs=${IPOLICY}`,
        CLUSTER_NAME,
      ],
      { timeoutMs: 120_000 },
    );
    await waitForMaster();
  } catch (err) {
    await down().catch(() => undefined);
    throw err;
  }
}

/** The master IP is added asynchronously and luxid answers later than `init` returns. */
async function waitForMaster(timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const addr = await run(['ip', '-4', '-o', 'addr', 'show', 'dev', MASTER_NETDEV]);
    const nodes = await run(['gnt-node', 'list', '--no-headers', '-o', 'name']);
    if (addr.stdout.includes(`${MASTER_IP}/`) && nodes.exitCode === 0 && nodes.stdout.includes(NODE_NAME))
      return;
    if (Date.now() > deadline) {
      throw new Error(
        `Ganeti master not up after ${timeoutMs} ms: ${addr.stdout}${nodes.stdout}${nodes.stderr}`,
      );
    }
    await sleep(250);
  }
}

/** Stops the daemons and removes the namespaces, mounts, loop devices and state; safe to call anytime. */
export async function down(): Promise<void> {
  // Daemons get TERM (then KILL) all at once: `daemon-util stop-all` stops them one by one, ~12 s.
  await destroyNamespaces();
}

/** True while the cluster's namespaces exist. */
export const isUp = namespacesExist;

/**
 * Gives the cluster its own, initially empty `dir` (default /srv/ganeti/os): a harness dir is bind-mounted
 * over it inside the mount namespace, so OS dirs written there never touch the host. Returns the host
 * path of that dir (write OS dirs there, or inside the cluster under `dir`). Idempotent.
 */
export async function privateOsDir(dir = '/srv/ganeti/os'): Promise<string> {
  const src = `${ROOT_DIR}/os${dir}`;
  await mkdir(src, { recursive: true, mode: 0o755 });
  if (!(await sameInode(dir, src))) await must(['mount', '--bind', src, dir]);
  return src;
}

/** Masks an OS search dir inside the cluster by bind-mounting an empty dir over it. Idempotent. */
export async function hideOsDir(dir: string): Promise<void> {
  if (!(await sameInode(dir, EMPTY_DIR))) await must(['mount', '--bind', EMPTY_DIR, dir]);
}

/** Undoes `hideOsDir` (a private dir from `privateOsDir` stays). Idempotent. */
export async function showOsDir(dir: string): Promise<void> {
  while (await sameInode(dir, EMPTY_DIR)) await must(['umount', dir]);
}

/** Whether `nsPath` (inside the cluster) is the host dir `hostPath`. */
async function sameInode(nsPath: string, hostPath: string): Promise<boolean> {
  const st = await stat(hostPath);
  const r = await must(['stat', '-L', '-c', '%d:%i', nsPath]);
  // stat's %d is the kernel's encoded dev_t, the same number node reports as st.dev.
  return r.stdout.trim() === `${st.dev}:${st.ino}`;
}

export interface OsLog {
  /** File name, e.g. `add-noop-inst1-2026-01-01_10_00_00.log`. */
  name: string;
  text: string;
}

/** The OS script logs in /var/log/ganeti/os inside the cluster, sorted by name. */
export async function osLogs(filter: (name: string) => boolean = () => true): Promise<OsLog[]> {
  const dir = `${ROOT_DIR}/log/os`;
  const names = (await readdir(dir).catch(() => [] as string[])).filter(filter).sort();
  return Promise.all(names.map(async (name) => ({ name, text: await readFile(`${dir}/${name}`, 'utf8') })));
}

/** Options every test instance needs here: no DNS, no IP check, the one node. */
export const INSTANCE_OPTS: readonly string[] = ['--no-name-check', '--no-ip-check', '-n', NODE_NAME];

/** Removes every instance in the cluster (a failed create leaves its instance behind). */
export async function removeAllInstances(): Promise<void> {
  const r = await must(['gnt-instance', 'list', '--no-headers', '-o', 'name']);
  for (const name of r.stdout.split('\n').filter(Boolean)) await must(['gnt-instance', 'remove', '-f', name]);
}

/** sha256 of a file inside the cluster. */
export async function sha256(path: string): Promise<string> {
  return (await must(['sha256sum', path])).stdout.split(' ')[0]!;
}

/**
 * `gnt-backup import` of an export stored on this node into a new instance. The MACs are generated
 * because the exported instance may still exist in this cluster.
 */
export function backupImportArgv(
  exportName: string,
  instance: string,
  extra: readonly string[] = [],
): string[] {
  return [
    'gnt-backup',
    'import',
    '-t',
    'file',
    '-n',
    NODE_NAME,
    `--src-node=${NODE_NAME}`,
    `--src-dir=${EXPORT_DIR}/${exportName}`,
    ...extra,
    '--net',
    '0:mac=generate',
    '--no-name-check',
    '--no-ip-check',
    instance,
  ];
}
