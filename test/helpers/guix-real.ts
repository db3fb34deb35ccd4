/**
 * A real GNU Guix for the guix provider's tests: the Debian sid root that scripts/guix-chroot.sh
 * builds (guix 1.5.0), with proc, sys and dev mounted into it and a `guix-daemon` running as root
 * with build users and no chroot builds. `startGuix()` brings it up, `stop()` kills the daemon's
 * process group and unmounts, and `leaks()` lists what would be left behind. One session at a time
 * (a lock file in the root). Tests call `guixRoot()` first and skip with its reason when the root
 * is missing: these tests never pass without a real guix.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { isRoot } from './disk.js';

export const GUIX_ROOT = process.env.GANETI_OS_GUIX_ROOT ?? '/var/tmp/ganeti-os-guix-root';
const READY = '.ganeti-os-ready';
const LOCK = '.ganeti-os-session';
const MOUNTS = ['proc', 'sys', 'dev'] as const;

/** Whether the real-guix tier can run here, and why not. */
export function guixRoot(): { ready: boolean; reason: string } {
  if (!isRoot) return { ready: false, reason: 'needs root (mounts, build users, guix-daemon)' };
  if (!existsSync(join(GUIX_ROOT, READY))) {
    return {
      ready: false,
      reason: `no guix root at ${GUIX_ROOT}: run \`bash scripts/guix-chroot.sh\` (Debian sid's guix in a chroot; scripts/setup.sh does it)`,
    };
  }
  return { ready: true, reason: '' };
}

export interface GuixResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface GuixSession {
  root: string;
  /** `guix --version`'s first line. */
  version: string;
  /** Run an argument vector inside the root (argv[0] is the command there, e.g. /usr/bin/guix). */
  run(
    argv: readonly string[],
    opts?: { env?: Record<string, string>; timeoutMs?: number },
  ): Promise<GuixResult>;
  /** Write a file inside the root (path absolute inside it); returns that path. */
  writeFile(path: string, content: string): string;
  /** Read a file inside the root. */
  readFile(path: string): string;
  stop(): Promise<void>;
  /** What a stopped session left: mounts below the root, processes running in it, the lock. */
  leaks(): string[];
}

function mountTargets(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((t) => t === GUIX_ROOT || t.startsWith(`${GUIX_ROOT}/`));
}

/** Processes whose root directory is the guix root (the daemon, its helpers, clients). */
function processesInRoot(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/root`) === GUIX_ROOT) pids.push(Number(name));
    } catch {
      // gone, or not ours to look at
    }
  }
  return pids;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

function must(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.trim()}`);
}

const CLIENT_ENV = [
  'HOME=/root',
  'LC_ALL=C.UTF-8',
  'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
  'XDG_CACHE_HOME=/root/.cache',
];

function runIn(argv: readonly string[], env: Record<string, string>, timeoutMs: number): Promise<GuixResult> {
  const envArgs = [...CLIENT_ENV, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)];
  return new Promise((resolve, reject) => {
    const child = spawn('chroot', [GUIX_ROOT, '/usr/bin/env', '-i', ...envArgs, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

async function waitForSocket(daemon: ChildProcess, log: () => string): Promise<void> {
  const socket = join(GUIX_ROOT, 'var/guix/daemon-socket/socket');
  for (let i = 0; i < 100; i++) {
    if (existsSync(socket)) return;
    if (daemon.exitCode !== null) throw new Error(`guix-daemon exited (${daemon.exitCode}): ${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`guix-daemon did not create ${socket} in 10 s: ${log()}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A session whose test process died: unmount what it left (its daemon died with it or is killed here). */
function recoverStale(lock: string): void {
  if (!existsSync(lock)) return;
  const owner = Number(readFileSync(lock, 'utf8').trim());
  if (Number.isInteger(owner) && owner > 0 && alive(owner)) return; // a live session: openSync reports it
  for (const pid of processesInRoot()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const target of mountTargets().reverse()) {
    const r = spawnSync('umount', [target]);
    if (r.status !== 0) spawnSync('umount', ['-l', target]);
  }
  rmSync(lock, { force: true });
}

/** Mount proc, sys and dev into the root and start guix-daemon; undo everything on failure. */
export async function startGuix(): Promise<GuixSession> {
  const lock = join(GUIX_ROOT, LOCK);
  recoverStale(lock);
  const fd = openSync(lock, 'wx'); // throws EEXIST when another session runs
  writeFileSync(fd, `${process.pid}\n`);
  closeSync(fd);
  const mounted: string[] = [];
  let daemon: ChildProcess | undefined;
  let daemonLog = '';
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const d = daemon;
    if (d?.pid) {
      const running = () => d.exitCode === null && d.signalCode === null;
      const exited = new Promise<void>((r) => (running() ? d.once('exit', () => r()) : r()));
      killGroup(d.pid, 'SIGTERM'); // its process group: the daemon and its helpers
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (running()) killGroup(d.pid, 'SIGKILL');
      // helpers of the daemon (substituters, per-client processes) go with the group
      for (let i = 0; i < 50 && processesInRoot().length > 0; i++)
        await new Promise((r) => setTimeout(r, 100));
    }
    for (const target of mounted.reverse()) {
      const r = spawnSync('umount', [target]);
      if (r.status !== 0) spawnSync('umount', ['-l', target]);
    }
    rmSync(lock, { force: true });
  };

  try {
    const socketDir = join(GUIX_ROOT, 'var/guix/daemon-socket');
    rmSync(join(socketDir, 'socket'), { force: true });
    for (const m of MOUNTS) {
      const target = join(GUIX_ROOT, m);
      if (m === 'proc') must('mount', ['-t', 'proc', 'proc', target]);
      else if (m === 'sys') must('mount', ['-t', 'sysfs', 'sysfs', target]);
      else must('mount', ['--bind', '/dev', target]);
      mounted.push(target);
    }
    const d = spawn(
      'chroot',
      [
        GUIX_ROOT,
        '/usr/bin/env',
        '-i',
        'LC_ALL=C.UTF-8',
        'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
        '/usr/bin/guix-daemon',
        '--build-users-group=guixbuild',
        '--disable-chroot',
        '--discover=no',
      ],
      { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    daemon = d;
    d.stderr.on('data', (b: Buffer) => (daemonLog = (daemonLog + b.toString('utf8')).slice(-4000)));
    await waitForSocket(d, () => daemonLog);
    const v = await runIn(['guix', '--version'], {}, 60_000);
    if (v.exitCode !== 0) throw new Error(`guix --version failed: ${v.stderr}`);
    const version = v.stdout.split('\n')[0] ?? '';
    return {
      root: GUIX_ROOT,
      version,
      run: (argv, opts = {}) => runIn(argv, opts.env ?? {}, opts.timeoutMs ?? 180_000),
      writeFile(path, content) {
        const host = join(GUIX_ROOT, path);
        mkdirSync(dirname(host), { recursive: true });
        writeFileSync(host, content);
        return path;
      },
      readFile: (path) => readFileSync(join(GUIX_ROOT, path), 'utf8'),
      stop,
      leaks() {
        return [
          ...mountTargets().map((t) => `mount ${t}`),
          ...processesInRoot().map((p) => `process ${p}`),
          ...(existsSync(lock) ? [`lock ${lock}`] : []),
        ];
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
