/**
 * Host-side plumbing for the Ganeti test cluster: where its state lives, running host commands,
 * reading the mount table and the loop device list. Everything the cluster needs is kept below
 * STATE_DIR, except the netns and the few host paths recorded in `created.json`.
 */
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';

/** All harness state (namespace files, bind-mount sources, the record of created host paths). */
export const STATE_DIR = process.env.GANETI_E2E_STATE ?? '/var/lib/ganeti-os-e2e';
export const NETNS = 'gnt';
export const NODE_NAME = 'node1.gnt.test';
export const CLUSTER_NAME = 'cluster.gnt.test';
export const NODE_IP = '10.250.0.1';
export const MASTER_IP = '10.250.0.100';
/** The veth end carrying the node and master IPs, and the empty bridge used as the NIC link. */
export const MASTER_NETDEV = 'gnt0';
export const BRIDGE = 'gntbr0';
export const FILE_STORAGE_DIR = '/srv/ganeti/file-storage';
export const EXPORT_DIR = '/var/lib/ganeti/export';
export const OS_LOG_DIR = '/var/log/ganeti/os';
export const TOOL_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const NS_DIR = `${STATE_DIR}/ns`;
export const ROOT_DIR = `${STATE_DIR}/root`;
export const CREATED_FILE = `${STATE_DIR}/created.json`;

export interface CmdResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface CmdOptions {
  input?: string;
  timeoutMs?: number;
  /** Throw when the command exits non-zero (default true). */
  check?: boolean;
}

/** Runs a host command (no shell) with a small, fixed environment. */
export async function host(cmd: string, args: readonly string[], opts: CmdOptions = {}): Promise<CmdResult> {
  const r = await execa(cmd, args, {
    reject: false,
    env: { PATH: TOOL_PATH, LC_ALL: 'C', HOME: '/root' },
    extendEnv: false,
    input: opts.input,
    stdin: opts.input === undefined ? 'ignore' : 'pipe',
    timeout: opts.timeoutMs ?? 120_000,
    forceKillAfterDelay: 2_000,
    stripFinalNewline: false,
  });
  const res = {
    exitCode: r.exitCode ?? 128,
    stdout: typeof r.stdout === 'string' ? r.stdout : '',
    stderr: typeof r.stderr === 'string' ? r.stderr : '',
  };
  if ((opts.check ?? true) && res.exitCode !== 0) {
    const why = r.timedOut ? `timed out after ${opts.timeoutMs ?? 120_000} ms` : `exited ${res.exitCode}`;
    throw new Error(`${cmd} ${args.join(' ')} ${why}: ${(res.stderr || res.stdout).trim()}`);
  }
  return res;
}

/** Mount points (host view) at or below `prefix`, deepest first. */
export async function mountsBelow(prefix: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const points = text
    .split('\n')
    .filter(Boolean)
    .map((line) => unescapeMountPath(line.split(' ')[4] ?? ''))
    .filter((p) => p === prefix || p.startsWith(`${prefix}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export interface LoopDevice {
  name: string;
  backFile: string;
}

/** `losetup -l` as data; `prefix` lets callers run it inside the namespaces. */
export async function listLoops(prefix: readonly string[] = []): Promise<LoopDevice[]> {
  const [cmd, ...args] = [...prefix, 'losetup', '-J', '-l', '-O', 'NAME,BACK-FILE'];
  const r = await host(cmd, args, { check: false });
  if (r.exitCode !== 0 || !r.stdout.trim()) return [];
  const parsed = JSON.parse(r.stdout) as { loopdevices?: { name: string; 'back-file': string | null }[] };
  return (parsed.loopdevices ?? []).map((d) => ({ name: d.name, backFile: d['back-file'] ?? '' }));
}

/** Paths of the Ganeti OS search path on this build, read from Ganeti's generated constants. */
export async function ganetiOsSearchPath(): Promise<string[]> {
  for (const f of [
    '/usr/share/ganeti/default/ganeti/_constants.py',
    '/usr/share/ganeti/3.0/ganeti/_constants.py',
  ]) {
    const text = await readFile(f, 'utf8').catch(() => '');
    const m = /^OS_SEARCH_PATH = \[(.*)\]$/m.exec(text);
    if (m) return [...m[1]!.matchAll(/"([^"]+)"/g)].map((x) => x[1]!);
  }
  throw new Error('OS_SEARCH_PATH not found in Ganeti constants (is the ganeti package installed?)');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
