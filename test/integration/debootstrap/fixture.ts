/**
 * The debootstrap provider as Ganeti runs it: installed into a private OS directory with a private
 * configuration root (test variants only; the node's /etc/ganeti and /etc/default are not read),
 * scripts run with a Ganeti-like environment against sparse file disks, and the result inspected
 * read-only with the host's own tools (image.ts) rather than with ganeti-os.
 *
 * All files share one cache entry: every test variant extends `full`, whose package set is the same
 * whatever the filesystem and partition style (xfsprogs, btrfs-progs and both GRUB platforms are
 * listed explicitly), so the first create warms it and the others unpack it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS } from '../../../src/ganeti/defaults.js';
import { listLeftovers, type DiskFile } from '../../helpers/disk.js';
import { installArgv, osWorkspace } from '../../helpers/os-workspace.js';
import { GANETI_PATH, type ScriptOptions, type ScriptRun } from '../../helpers/scripts.js';

export const CLI = join(process.cwd(), 'dist/ganeti-os.mjs');
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** The shared variant: shipped bookworm plus the packages every layout of these tests needs. */
export const FULL_VARIANT = [
  'description: bookworm for the debootstrap tests (one cache entry for every layout)',
  'extend: bookworm',
  'extra-pkgs: [acpi-support-base, openssh-server, xfsprogs, btrfs-progs, grub-pc-bin, grub-efi-amd64-bin]',
  '',
].join('\n');

export const TEST_VARIANTS: Record<string, string> = {
  full: FULL_VARIANT,
  'full-gpt': 'extend: full\npartition-style: gpt\n',
  'full-none': 'extend: full\npartition-style: none\nfilesystem: btrfs\n',
  'full-parts': 'extend: full\nswap: 128M\nboot-partition: 256M\n',
};

export interface Fixture {
  work: string;
  osDir: string;
  libDir: string;
  configRoot: string;
  /** <configRoot>/instance-debootstrap */
  configDir: string;
  cacheRoot: string;
  /** <cacheRoot>/debootstrap */
  cacheDir: string;
  /** <osDir>/debootstrap: where the scripts are. */
  scripts: string;
  /** TMPDIR of every script run: empty between runs (other processes' temp files never mix in). */
  tmp: string;
  newDisk(sizeBytes: number, name?: string): DiskFile;
  run(script: string, env: Record<string, string>, o?: ScriptOptions): Promise<ScriptRun>;
  /** Unregister disks, remove the work dir (refuses with mounts below). */
  dispose(): void;
}

export function ganetiOs(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Install debootstrap into a fresh temp OS dir. `variants` are written to the private config dir
 * before install (so they are published); `cacheRoot` defaults to the shared node cache.
 */
export function installFixture(
  o: { variants?: Record<string, string>; cacheRoot?: string; tag?: string } = {},
): Fixture {
  const work = mkdtempSync(join(tmpdir(), `gos-deb-${o.tag ?? 'test'}-`));
  const osDir = join(work, 'os');
  const libDir = join(work, 'lib');
  const configRoot = join(work, 'etc', 'ganeti');
  const configDir = join(configRoot, 'instance-debootstrap');
  const cacheRoot = o.cacheRoot ?? DEFAULTS.cacheRoot;
  const tmp = join(work, 'tmp');
  mkdirSync(osDir);
  mkdirSync(tmp, { mode: 0o1777 });
  mkdirSync(join(configDir, 'variants'), { recursive: true });
  for (const [name, text] of Object.entries(o.variants ?? TEST_VARIANTS))
    writeFileSync(join(configDir, 'variants', `${name}.yaml`), text);
  const r = ganetiOs(installArgv('debootstrap', { work, osDir, configRoot, cacheRoot }));
  if (r.code !== 0) throw new Error(`install failed: ${r.stderr}`);
  const scripts = join(osDir, 'debootstrap');
  return {
    work,
    osDir,
    libDir,
    configRoot,
    configDir,
    cacheRoot,
    cacheDir: join(cacheRoot, 'debootstrap'),
    scripts,
    tmp,
    ...osWorkspace(work, scripts, tmp),
  };
}

export interface NicSpec {
  mac: string;
  ip?: string;
  subnet?: string;
  gateway?: string;
  subnet6?: string;
  gateway6?: string;
}

export interface EnvSpec {
  name: string;
  variant: string;
  disks: { path: string; sizeMiB: number }[];
  nics?: NicSpec[];
  params?: Record<string, string>;
  serialConsole?: boolean;
  extra?: Record<string, string>;
}

/** The environment Ganeti 3.0 gives a create script (captured from a real cluster), for KVM. */
export function instanceEnv(s: EnvSpec): Record<string, string> {
  const env: Record<string, string> = {
    OS_API_VERSION: '20',
    OS_NAME: 'debootstrap',
    OS_VARIANT: s.variant,
    DEBUG_LEVEL: '0',
    INSTANCE_NAME: s.name,
    INSTANCE_OS: `debootstrap+${s.variant}`,
    INSTANCE_UUID: '415e1e9e-6373-45dd-ad57-98d01e59ee2c',
    INSTANCE_CTIME: '1795288260.078242',
    INSTANCE_MTIME: '1795288260.140204',
    INSTANCE_PRIMARY_NODE: '8d843ab7-fe85-4d41-aed5-823efcafceac',
    INSTANCE_SECONDARY_NODES: '',
    HYPERVISOR: 'kvm',
    INSTANCE_HV_serial_console: s.serialConsole === false ? 'False' : 'True',
    INSTANCE_HV_serial_speed: '115200',
    INSTANCE_BE_maxmem: '512',
    INSTANCE_BE_minmem: '512',
    INSTANCE_BE_vcpus: '1',
    DISK_COUNT: String(s.disks.length),
    NIC_COUNT: String(s.nics?.length ?? 0),
  };
  s.disks.forEach((d, i) => {
    env[`DISK_${i}_PATH`] = d.path;
    env[`DISK_${i}_ACCESS`] = 'rw';
    env[`DISK_${i}_SIZE`] = String(d.sizeMiB);
    env[`DISK_${i}_UUID`] = `cb6de647-d93f-4a64-aaef-09d234e1c5d${i}`;
    env[`DISK_${i}_BACKEND_TYPE`] = 'file:loop';
  });
  (s.nics ?? []).forEach((n, i) => {
    const p = `NIC_${i}_`;
    env[`${p}MAC`] = n.mac;
    env[`${p}MODE`] = 'bridged';
    env[`${p}LINK`] = 'gntbr0';
    env[`${p}BRIDGE`] = 'gntbr0';
    env[`${p}UUID`] = `54e1d9de-a7f0-4fe1-9928-4b0f3056cd1${i}`;
    if (n.ip) env[`${p}IP`] = n.ip;
    if (n.subnet) env[`${p}NETWORK_SUBNET`] = n.subnet;
    if (n.gateway) env[`${p}NETWORK_GATEWAY`] = n.gateway;
    if (n.subnet6) env[`${p}NETWORK_SUBNET6`] = n.subnet6;
    if (n.gateway6) env[`${p}NETWORK_GATEWAY6`] = n.gateway6;
  });
  for (const [k, v] of Object.entries(s.params ?? {})) env[`OSP_${k.toUpperCase().replace(/-/g, '_')}`] = v;
  return { ...env, ...s.extra };
}

/** Temp entries a run could leave behind: anything in its TMPDIR, cache staging dirs and temp files. */
function tempEntries(tmp: string, cacheDir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(tmp)) out.push(join(tmp, e));
  if (existsSync(cacheDir))
    for (const e of readdirSync(cacheDir)) if (/\.staging-|\.tmp-/.test(e)) out.push(join(cacheDir, e));
  return out;
}

/** Snapshot before a run; `check()` lists what the run leaked (loops, partition nodes, mounts, runtime dir, temp dirs). */
export function leakWatch(fx: Pick<Fixture, 'cacheDir' | 'tmp'>, disks: string[]): { check(): string[] } {
  const before = new Set(tempEntries(fx.tmp, fx.cacheDir));
  // listLeftovers also reports orphaned loop partitions of any detached loop: only new ones count.
  const orphansBefore = new Set(disks.flatMap((d) => listLeftovers(d)));
  return {
    check() {
      const found = disks.flatMap((d) => listLeftovers(d)).filter((l) => !orphansBefore.has(l));
      for (const e of tempEntries(fx.tmp, fx.cacheDir)) if (!before.has(e)) found.push(`temp ${e}`);
      return found;
    },
  };
}

/**
 * Run an installed script as the import-export daemon does for export: stdin /dev/null, stdout to
 * `outFile` (the data stream, never through the test's memory), fd 11 = EXP_SIZE_FD.
 */
export function runToFile(
  fx: Pick<Fixture, 'scripts' | 'tmp'>,
  script: string,
  env: Record<string, string>,
  outFile: string,
): Promise<{ code: number | null; stderr: string; sizeFd: string }> {
  const scriptsDir = fx.scripts;
  const q = (a: string): string => `'${a.replace(/'/g, "'\\''")}'`;
  const cmd = `exec ${q(join(scriptsDir, script))} < /dev/null > ${q(outFile)} 11>&3`;
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/bash', ['-c', cmd], {
      cwd: scriptsDir,
      env: { PATH: GANETI_PATH, DEBUG_LEVEL: '0', ...env, TMPDIR: fx.tmp, EXP_SIZE_FD: '11' },
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let err = '';
    let size = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (size += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr: err, sizeFd: size }));
  });
}

export { lastLine } from '../../helpers/scripts.js';
export * from './image.js';
