/**
 * Debian's ganeti-instance-debootstrap (/usr/share/ganeti/os/debootstrap), run the way Ganeti runs
 * it but configured privately: each script runs in its own mount namespace
 * (`unshare -m --propagation private`) where bind mounts put our files over
 * /etc/default/ganeti-instance-debootstrap, /etc/ganeti/instance-debootstrap/variants/default.conf
 * and /var/cache/ganeti-instance-debootstrap. The host's files are never edited.
 *
 * Its configuration: SUITE=bookworm and PARTITION_STYLE=none (its default, msdos, needs kpartx and
 * device-mapper), the same mirror as ours, and EXTRA_PKGS = the packages our variant adds to
 * debootstrap's standard set (its default set, "required" + "important", is what our mmdebstrap
 * `important` variant installs), so both trees hold the same packages.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PEER_OS_DIR = '/usr/share/ganeti/os/debootstrap';
const DEFAULTS_FILE = '/etc/default/ganeti-instance-debootstrap';
const VARIANT_FILE = '/etc/ganeti/instance-debootstrap/variants/default.conf';
const CACHE_DIR = '/var/cache/ganeti-instance-debootstrap';

export interface PeerConfig {
  suite: string;
  mirror: string;
  extraPkgs: string[];
}

export interface PeerSetup {
  /** Our private copies of its two configuration files. */
  defaultsFile: string;
  variantFile: string;
}

/** Writes the peer's private configuration below `dir`. */
export function writePeerConfig(dir: string, c: PeerConfig): PeerSetup {
  mkdirSync(dir, { recursive: true });
  const defaultsFile = join(dir, 'ganeti-instance-debootstrap');
  const variantFile = join(dir, 'default.conf');
  writeFileSync(defaultsFile, 'GENERATE_CACHE="yes"\nCLEAN_CACHE="14"\n');
  writeFileSync(
    variantFile,
    [
      `SUITE="${c.suite}"`,
      'PARTITION_STYLE="none"',
      `MIRROR="${c.mirror}"`,
      `EXTRA_PKGS="${c.extraPkgs.join(',')}"`,
      '',
    ].join('\n'),
  );
  return { defaultsFile, variantFile };
}

export interface ScriptIo {
  /** A file for stdin (import); default /dev/null. */
  stdinFile?: string;
  /** A file for stdout (export); default: the output is collected for the error message. */
  stdoutFile?: string;
}

/**
 * Runs `script` of an OS directory with a Ganeti-like reset environment, cwd = the OS dir, and
 * fd 11 open on /dev/null (EXP_SIZE_FD). `wrap` puts a command in front (the namespace wrapper).
 */
export function spawnScript(
  osDir: string,
  script: string,
  env: Record<string, string>,
  io: ScriptIo = {},
  wrap: string[] = [],
): Promise<void> {
  const fds: number[] = [];
  const open = (p: string, flags: string): number => {
    const fd = openSync(p, flags);
    fds.push(fd);
    return fd;
  };
  const stdin = open(io.stdinFile ?? '/dev/null', 'r');
  const stdout = io.stdoutFile ? open(io.stdoutFile, 'w') : 'pipe';
  const null11 = open('/dev/null', 'w');
  const argv = [...wrap, join(osDir, script)];
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: osDir,
    env: { PATH: '/sbin:/bin:/usr/sbin:/usr/bin', DEBUG_LEVEL: '0', ...env },
    stdio: [
      stdin,
      stdout,
      'pipe',
      'ignore',
      'ignore',
      'ignore',
      'ignore',
      'ignore',
      'ignore',
      'ignore',
      'ignore',
      null11,
    ],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.on('error', (e) => {
      for (const fd of fds) closeSync(fd);
      reject(e);
    });
    child.on('close', (code, sig) => {
      for (const fd of fds) closeSync(fd);
      if (code === 0) resolve();
      else reject(new Error(`${argv.join(' ')} failed (${sig ?? code}):\n${out}`));
    });
  });
}

/** The namespace wrapper: bind our configuration and a private cache dir, then exec the script. */
export function peerWrap(setup: PeerSetup, cacheDir: string): string[] {
  const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
  const binds = [
    [setup.defaultsFile, DEFAULTS_FILE],
    [setup.variantFile, VARIANT_FILE],
    [cacheDir, CACHE_DIR],
  ]
    .map(([from, to]) => `mount --bind ${q(from!)} ${q(to!)}`)
    .join(' && ');
  return ['unshare', '-m', '--propagation', 'private', '/bin/bash', '-c', `${binds} && exec "$0"`];
}

/** One peer script run (create, export, import). */
export function runPeer(
  setup: PeerSetup,
  cacheDir: string,
  script: 'create' | 'export' | 'import',
  env: Record<string, string>,
  io: ScriptIo = {},
): Promise<void> {
  // Its configuration is the `default` variant file (the only one its package ships to bind over).
  const peerEnv = { ...env, OS_VARIANT: 'default', INSTANCE_OS: 'debootstrap+default' };
  return spawnScript(PEER_OS_DIR, script, peerEnv, io, peerWrap(setup, cacheDir));
}

/** The peer's cache file for a suite (present = warm). */
export function peerCacheFile(cacheDir: string, suite: string, arch = 'amd64'): string {
  return join(cacheDir, `cache-${suite}-${arch}.tar`);
}
