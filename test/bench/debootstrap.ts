/**
 * Our debootstrap provider against Debian's ganeti-instance-debootstrap (the peer), both run as
 * Ganeti runs OS scripts (reset environment, API 20, a 3 GiB file disk, bookworm), alternating,
 * page caches dropped before every timed run, medians compared:
 *   warm    create with the bootstrap cache present            ours/peer <= 0.8
 *   cold    create with empty caches (bootstrap from the mirror) ours/peer <= 1.05
 *   stream  export then import into a fresh disk               ours/peer <= 1.0
 *           (peer: `dump -0` of the ext4, then mke2fs + `restore -r`; ours: header + GNU tar)
 *
 * Fairness: the peer gets the same packages (see peer-debootstrap.ts: debootstrap's standard set
 * plus our variant's implied packages through EXTRA_PKGS). It runs with PARTITION_STYLE=none because
 * its msdos style needs device-mapper (kpartx), so it formats the whole disk and installs no boot
 * loader; ours does more: an msdos partition table, GRUB, ssh host keys and the guest configuration.
 * Each script runs in its own private mount namespace (`unshare -m`), ours as well as the peer.
 * Both generate their cache on a cold run (peer: plain tar; ours: tar.zst with a sha256 sidecar);
 * ours also keeps an ext4 image made from it (by `cache warm` here), which warm creates restore.
 *
 *   npx tsx test/bench/debootstrap.ts [warm|cold|stream|all] [runs]
 *
 * State lives in $BENCH_DEB_DIR (default /var/tmp/ganeti-os-bench-debootstrap) and is kept between
 * invocations so warm caches need not be rebuilt; `clean` removes it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import debootstrapInstaller from '../../providers/debootstrap/installer.js';
import { mountsBelow } from '../../src/disk/mountinfo.js';
import { ExecRunner } from '../../src/process/runner.js';
import { Logger } from '../../src/runtime/logger.js';
import { dropCaches, interleave, median, report, timeIt, type RatioLine } from './lib.js';
import {
  PEER_OS_DIR,
  peerCacheFile,
  runPeer,
  spawnScript,
  writePeerConfig,
  type PeerSetup,
} from './peer-debootstrap.js';

const REPO = resolve(fileURLToPath(import.meta.url), '../../..');
const CLI = join(REPO, 'dist/ganeti-os.mjs');
export const BENCH_DIR = process.env.BENCH_DEB_DIR ?? '/var/tmp/ganeti-os-bench-debootstrap';
const DISK_MIB = 3072;
const SUITE = 'bookworm';

export const LIMITS = { warm: 0.8, cold: 1.05, stream: 1.0 } as const;

export interface Bench {
  base: string;
  /** Our installed OS dirs: one per cache root (warm keeps its cache, cold is emptied per run). */
  ours: { warm: string; cold: string };
  oursCache: { warm: string; cold: string };
  peer: PeerSetup;
  peerCache: { warm: string; cold: string };
  disks: string;
}

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

function installOurs(base: string, name: 'warm' | 'cold'): { osDir: string; cacheDir: string } {
  const root = join(base, `ours-${name}`);
  const osDir = join(root, 'os');
  sh(process.execPath, [
    CLI,
    'install',
    '--os-dir',
    osDir,
    '--lib-dir',
    join(base, 'lib'),
    '--search-path',
    osDir,
    '--config-root',
    join(base, 'etc'),
    '--cache-root',
    join(root, 'cache'),
    '--force',
    'debootstrap',
  ]);
  return { osDir: join(osDir, 'debootstrap'), cacheDir: join(root, 'cache', 'debootstrap') };
}

/** The packages our bookworm variant adds to the standard set: the peer's EXTRA_PKGS. */
async function ourPackages(
  osDir: string,
  base: string,
  cacheDir: string,
): Promise<{ mirror: string; packages: string[]; suite: string }> {
  const log = new Logger('warn');
  const runner = new ExecRunner(log);
  const paths = {
    osDir,
    configDir: join(base, 'etc', 'instance-debootstrap'),
    shareDir: join(base, 'lib', 'share'),
    cacheDir,
  };
  const { plan } = await debootstrapInstaller.configure({
    paths,
    variant: 'bookworm',
    params: {},
    runner,
    log,
  });
  if (plan.suite !== SUITE)
    throw new Error(`our bookworm variant is ${plan.suite}, the benchmark compares ${SUITE}`);
  return { mirror: plan.mirror, packages: plan.packages, suite: plan.suite };
}

export async function setup(base = BENCH_DIR): Promise<Bench> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const disks = join(base, 'disks');
  mkdirSync(disks, { recursive: true });
  const warm = installOurs(base, 'warm');
  const cold = installOurs(base, 'cold');
  const pk = await ourPackages(warm.osDir, base, warm.cacheDir);
  const peer = writePeerConfig(join(base, 'peer', 'etc'), {
    suite: pk.suite,
    mirror: pk.mirror,
    extraPkgs: pk.packages,
  });
  const peerCache = { warm: join(base, 'peer', 'cache-warm'), cold: join(base, 'peer', 'cache-cold') };
  for (const d of Object.values(peerCache)) mkdirSync(d, { recursive: true });
  console.log(
    `  setup: ${base}; both: ${SUITE}, ${DISK_MIB} MiB file disk, API 20, page caches dropped before each timed run`,
  );
  console.log(`  peer: ${PEER_OS_DIR} with SUITE=${pk.suite} PARTITION_STYLE=none MIRROR=${pk.mirror}`);
  console.log(`        EXTRA_PKGS=${pk.packages.join(',')} (= what our variant adds to the standard set)`);
  console.log(
    '  ours does more: msdos partition table, GRUB in the MBR, fresh ssh host keys, machine-id, network/console/fstab',
  );
  console.log(
    '        configuration; the peer formats the whole disk (its msdos style needs device-mapper) and installs no boot loader',
  );
  return {
    base,
    ours: { warm: warm.osDir, cold: cold.osDir },
    oursCache: { warm: warm.cacheDir, cold: cold.cacheDir },
    peer,
    peerCache,
    disks,
  };
}

export function ganetiEnv(disk: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OS_API_VERSION: '20',
    OS_NAME: 'debootstrap',
    OS_VARIANT: 'bookworm',
    INSTANCE_NAME: 'bench1.example.org',
    INSTANCE_OS: 'debootstrap+bookworm',
    INSTANCE_UUID: '415e1e9e-6373-45dd-ad57-98d01e59ee2c',
    INSTANCE_PRIMARY_NODE: '8d843ab7-fe85-4d41-aed5-823efcafceac',
    INSTANCE_SECONDARY_NODES: '',
    INSTANCE_HV_serial_console: 'True',
    INSTANCE_BE_vcpus: '1',
    INSTANCE_BE_maxmem: '512',
    INSTANCE_BE_minmem: '512',
    HYPERVISOR: 'kvm',
    DISK_COUNT: '1',
    DISK_0_PATH: disk,
    DISK_0_ACCESS: 'rw',
    DISK_0_BACKEND_TYPE: 'file:loop',
    DISK_0_SIZE: String(DISK_MIB),
    DISK_0_UUID: 'cb6de647-d93f-4a64-aaef-09d234e1c5de',
    NIC_COUNT: '1',
    NIC_0_MAC: 'aa:00:00:11:22:33',
    NIC_0_MODE: 'bridged',
    NIC_0_LINK: 'br0',
    NIC_0_BRIDGE: 'br0',
    ...extra,
  };
}

/** A fresh sparse disk file, as Ganeti's file template creates it. */
export function freshDisk(path: string): string {
  rmSync(path, { force: true });
  sh('truncate', ['-s', `${DISK_MIB}M`, path]);
  return path;
}

function emptyDir(dir: string): void {
  if (!existsSync(dir)) return;
  for (const n of readdirSync(dir)) rmSync(join(dir, n), { recursive: true, force: true });
}

type Who = 'ours' | 'peer';
type Temp = 'warm' | 'cold';

/**
 * Ours runs in a private mount namespace too, as the peer must (for its configuration binds): mounts
 * made there cannot be copied into namespaces that other processes on the node create meanwhile,
 * which would keep a partition busy after our unmount (partx -d then retries for seconds).
 */
export const OURS_WRAP = ['unshare', '-m', '--propagation', 'private'];

function runOurs(
  osDir: string,
  script: 'create' | 'export' | 'import',
  env: Record<string, string>,
  io: { stdinFile?: string; stdoutFile?: string } = {},
): Promise<void> {
  return spawnScript(osDir, script, env, io, OURS_WRAP);
}

function create(b: Bench, who: Who, temp: Temp, disk: string): Promise<void> {
  const env = ganetiEnv(freshDisk(disk));
  return who === 'ours'
    ? runOurs(b.ours[temp], 'create', env)
    : runPeer(b.peer, b.peerCache[temp], 'create', env);
}

/** Makes sure both warm caches exist: ours through `ganeti-os cache warm`, the peer's by an untimed create. */
export async function ensureWarm(b: Bench): Promise<void> {
  console.log('  checking (or building) our warm cache: ganeti-os cache warm debootstrap+bookworm');
  sh(process.execPath, [CLI, 'cache', 'warm', '--os-dir', dirname(b.ours.warm), 'debootstrap+bookworm']);
  if (existsSync(peerCacheFile(b.peerCache.warm, SUITE))) return;
  console.log('  building the peer warm cache (untimed create)');
  const disk = join(b.disks, 'peer-prime.img');
  await create(b, 'peer', 'warm', disk);
  rmSync(disk, { force: true });
}

/** Used bytes of the ext4 on a disk image (ours: partition 1 at 1 MiB; the peer: whole disk). */
function usedMiB(image: string, offset: number): number {
  const out = sh('dumpe2fs', ['-h', offset ? `${image}?offset=${offset}` : image]);
  const num = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(out)?.[1] ?? NaN);
  return ((num('Block count') - num('Free blocks')) * num('Block size')) / 1048576;
}

function treeSizes(oursImg: string, peerImg: string): string {
  try {
    return `used on disk: ours ${usedMiB(oursImg, 1048576).toFixed(0)} MiB, peer ${usedMiB(peerImg, 0).toFixed(0)} MiB`;
  } catch (e) {
    return `used on disk: unknown (${(e as Error).message.split('\n')[0]})`;
  }
}

export async function benchWarm(b: Bench, runs = 5): Promise<RatioLine> {
  await ensureWarm(b);
  const disk = (who: Who): string => join(b.disks, `${who}-warm.img`);
  const t = await interleave(
    runs,
    () => create(b, 'ours', 'warm', disk('ours')),
    () => create(b, 'peer', 'warm', disk('peer')),
    1,
    dropCaches,
  );
  console.log(`  ${treeSizes(disk('ours'), disk('peer'))}`);
  return report('debootstrap-create-warm', t, LIMITS.warm);
}

export async function benchCold(b: Bench, runs = 3): Promise<RatioLine> {
  const disk = (who: Who): string => join(b.disks, `${who}-cold.img`);
  const before = (): void => {
    emptyDir(b.oursCache.cold);
    emptyDir(b.peerCache.cold);
    dropCaches();
  };
  const cacheMiB = { ours: 0, peer: 0 };
  const cacheSize = (d: string): number =>
    readdirSync(d)
      .filter((n) => /\.tar(\.zst)?$/.test(n))
      .map((n) => statSync(join(d, n)).size / 1048576)[0] ?? 0;
  const run = (who: Who) => async (): Promise<void> => {
    await create(b, who, 'cold', disk(who));
    cacheMiB[who] = cacheSize(who === 'ours' ? b.oursCache.cold : b.peerCache.cold);
  };
  const t = await interleave(runs, run('ours'), run('peer'), 0, before);
  console.log(`  ${treeSizes(disk('ours'), disk('peer'))}`);
  console.log(
    `  cache file: ours ${cacheMiB.ours.toFixed(0)} MiB (tar.zst), peer ${cacheMiB.peer.toFixed(0)} MiB (tar)`,
  );
  return report('debootstrap-create-cold', t, LIMITS.cold);
}

/** export (to a file, as the import-export daemon would send it) + import into a fresh disk. */
export async function benchStream(b: Bench, runs = 5): Promise<RatioLine> {
  await ensureWarm(b);
  const src = (who: Who): string => join(b.disks, `${who}-src.img`);
  const dst = (who: Who): string => join(b.disks, `${who}-dst.img`);
  const stream = (who: Who): string => join(b.disks, `${who}.stream`);
  for (const who of ['ours', 'peer'] as const) await create(b, who, 'warm', src(who));
  const parts = {
    ours: { exp: [] as number[], imp: [] as number[] },
    peer: { exp: [] as number[], imp: [] as number[] },
  };
  const streamMiB = { ours: 0, peer: 0 };
  const run = (who: Who) => async (): Promise<void> => {
    const exp = ganetiEnv(src(who), {
      EXPORT_DEVICE: src(who),
      EXPORT_DISK_PATH: src(who),
      EXPORT_INDEX: '0',
      EXP_SIZE_FD: '11',
    });
    const imp = ganetiEnv(freshDisk(dst(who)), {
      IMPORT_DEVICE: dst(who),
      IMPORT_DISK_PATH: dst(who),
      IMPORT_INDEX: '0',
      EXP_SIZE_FD: '11',
    });
    const go = (
      script: 'export' | 'import',
      env: Record<string, string>,
      io: { stdinFile?: string; stdoutFile?: string },
    ): Promise<void> =>
      who === 'ours'
        ? runOurs(b.ours.warm, script, env, io)
        : runPeer(b.peer, b.peerCache.warm, script, env, io);
    parts[who].exp.push(await timeIt(() => go('export', exp, { stdoutFile: stream(who) })));
    parts[who].imp.push(await timeIt(() => go('import', imp, { stdinFile: stream(who) })));
    streamMiB[who] = statSync(stream(who)).size / 1048576;
    rmSync(stream(who), { force: true });
  };
  // Caches are dropped before each export; the import then reads a stream that is still in the page
  // cache, as it would arrive from the network.
  const t = await interleave(runs, run('ours'), run('peer'), 1, dropCaches);
  const m = (xs: number[]): string => median(xs.slice(-runs)).toFixed(3);
  console.log(
    `  export: ours ${m(parts.ours.exp)} s, peer ${m(parts.peer.exp)} s; import: ours ${m(parts.ours.imp)} s, peer ${m(parts.peer.imp)} s (medians)`,
  );
  console.log(
    `  stream size: ours ${streamMiB.ours.toFixed(0)} MiB (header + tar), peer ${streamMiB.peer.toFixed(0)} MiB (dump)`,
  );
  console.log(`  ${treeSizes(src('ours'), src('peer'))}`);
  return report('debootstrap-export-import', t, LIMITS.stream);
}

export async function benchDebootstrap(
  which: 'warm' | 'cold' | 'stream' | 'all',
  runs?: number,
): Promise<RatioLine[]> {
  const b = await setup();
  const lines: RatioLine[] = [];
  try {
    if (which === 'warm' || which === 'all') lines.push(await benchWarm(b, runs ?? 5));
    if (which === 'stream' || which === 'all') lines.push(await benchStream(b, runs ?? 5));
    if (which === 'cold' || which === 'all') lines.push(await benchCold(b, runs ?? 3));
  } finally {
    // disk images are big; the caches are kept for the next run
    emptyDir(b.disks);
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const which = process.argv[2] ?? 'all';
  if (which === 'clean') {
    if (mountsBelow(BENCH_DIR).length > 0)
      throw new Error(`not removing ${BENCH_DIR}: something is mounted below it`);
    rmSync(BENCH_DIR, { recursive: true, force: true });
  } else {
    if (!['warm', 'cold', 'stream', 'all'].includes(which))
      throw new Error(`usage: debootstrap.ts [warm|cold|stream|all|clean] [runs]`);
    const runs = process.argv[3] ? Number(process.argv[3]) : undefined;
    const lines = await benchDebootstrap(which as 'warm' | 'cold' | 'stream' | 'all', runs);
    process.exitCode = lines.every((l) => l.ok) ? 0 : 1;
  }
}
