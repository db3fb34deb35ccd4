/**
 * The image provider's create (installed scripts, a Ganeti-like environment, a fresh sparse 10 GiB
 * file disk per run) against the bare tool doing the same copy, alternating, medians compared in
 * one run. Before every timed run everything is flushed and the input images are evicted from the
 * page cache, so both sides read the image from the disk; the node's programs stay cached, as on a
 * node in use (the bookworm comparison drops every cache: its two sides read different inputs):
 *   raw      an msdos disk image holding 1 GiB of data (ext4; grown and configured by ours)
 *            vs `qemu-img convert -n -f raw -O raw` of it onto the disk             <= 1.2
 *            and, durable: ours with `disk-sync: durable` vs the convert followed by
 *            `sync` of the disk                                                     <= 1.2
 *   qcow2    the same disk as qcow2 vs `qemu-img convert -n -f qcow2 -O raw`, and
 *            durable the same way                                                   <= 1.2
 *   tarball  a zstd tarball of a Debian root (ours: partition, mkfs, unpack, configure; no boot
 *            loader) vs `mkfs.ext4` on the disk plus `zstd -dc | tar -x` into it     <= 1.2
 *   bookworm a bookworm guest made by the debootstrap provider (warm cache) and captured as qcow2
 *            and as a zstd tarball, deployed by ours (GRUB included for the tarball) vs the
 *            debootstrap provider's warm create of the same guest (3 GiB disks)       <= 1.0
 *   slow     raw and qcow2 as above with reads from the disk holding the images limited to
 *            $BENCH_READ_MBPS MB/s (default 500, a SATA SSD) for both sides (read-limit.ts):
 *            this machine's disk reads at 1.3-1.9 GB/s, where ours' fixed part (starting node,
 *            inspecting, growing, configuring: about 0.4 s) weighs more than on most nodes'
 *
 *   npx tsx test/bench/image.ts [raw|qcow2|tarball|bookworm|slow|all] [runs]  (default: all 3)
 *   npx tsx test/bench/image.ts clean
 *
 * Ours includes what the peer does not do: the image header inspected (qemu-img info/check), the
 * partition and filesystem grown, the guest configured (hostname, network, machine-id, ssh host
 * keys). By default (`disk-sync: writeback`) both sides leave what they wrote in the page cache
 * for the kernel to write back, as qemu-img convert, tar and the peer providers do; the durable
 * lines compare the flushed results of both.
 *
 * Inputs live in $BENCH_IMAGE_DIR (default /var/tmp/ganeti-os-bench-image) and are kept between
 * invocations; the golden bookworm guest is made once per invocation (a minute).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTestRootfs } from '../helpers/disk.js';
import { buildGolden, captureCli, type Golden } from '../helpers/image-golden.js';
import { runOsScript, type ScriptRun } from '../helpers/scripts.js';
import { instanceEnv } from '../integration/debootstrap/fixture.js';
import { makeGoldenTree } from '../integration/image-provider/fixture.js';
import { dropCaches, interleave, report, type RatioLine } from './lib.js';
import { describeLimit, readLimitUnavailable, withReadLimit } from './read-limit.js';

const REPO = resolve(fileURLToPath(import.meta.url), '../../..');
const CLI = join(REPO, 'dist/ganeti-os.mjs');
const BASE = process.env.BENCH_IMAGE_DIR ?? '/var/tmp/ganeti-os-bench-image';
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const DISK_MiB = 10240;
const GUEST_MiB = 3072;
export const LIMITS = { raw: 1.2, qcow2: 1.2, tarball: 1.2, bookworm: 1.0 } as const;

const IMAGES = join(BASE, 'images');
const DISKS = join(BASE, 'disks');
const MNT = join(BASE, 'mnt');
const OS_DIR = join(BASE, 'os');
const CONFIG_ROOT = join(BASE, 'etc');

function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'inherit'],
    ...(input === undefined ? {} : { input }),
    maxBuffer: 64 * MiB,
  });
}

/** A fresh sparse file disk (never reused: both sides start from the same empty disk). */
function freshDisk(name: string, sizeMiB = DISK_MiB): string {
  const path = join(DISKS, name);
  rmSync(path, { force: true });
  writeFileSync(path, '');
  sh('truncate', ['-s', `${sizeMiB}M`, path]);
  return path;
}

/** 1 GiB of incompressible data in a file of `dir`, written in 16 MiB pieces. */
function writeData(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  try {
    for (let done = 0; done < bytes; done += 16 * MiB)
      writeSync(fd, randomBytes(Math.min(16 * MiB, bytes - done)));
  } finally {
    closeSync(fd);
  }
}

/** The inputs: data.raw (2 GiB msdos, ext4 holding 1 GiB of data), data.qcow2, rootfs.tar.zst. */
function makeInputs(): void {
  mkdirSync(IMAGES, { recursive: true });
  mkdirSync(DISKS, { recursive: true });
  mkdirSync(MNT, { recursive: true });
  const raw = join(IMAGES, 'data.raw');
  if (!existsSync(raw)) {
    const tree = join(BASE, 'tree');
    rmSync(tree, { recursive: true, force: true });
    makeGoldenTree(tree, 'bench');
    writeData(join(tree, 'var', 'data.bin'), GiB);
    const tmp = `${raw}.tmp`;
    writeFileSync(tmp, '');
    sh('truncate', ['-s', '2G', tmp]);
    sh('sfdisk', ['-q', tmp], 'label: dos\nstart=2048, type=83\n');
    sh('mke2fs', ['-q', '-F', '-t', 'ext4', '-d', tree, '-E', `offset=${MiB}`, tmp, '2047M']);
    sh('mv', [tmp, raw]);
    rmSync(tree, { recursive: true, force: true });
  }
  const qcow2 = join(IMAGES, 'data.qcow2');
  if (!existsSync(qcow2)) sh('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, qcow2]);
  const tar = join(IMAGES, 'rootfs.tar.zst');
  if (!existsSync(tar)) sh('zstd', ['-q', '-T0', '-10', ensureTestRootfs(), '-o', tar]);
}

const VARIANTS: Record<string, string> = {
  raw: 'source: data.raw\nformat: raw\n',
  qcow2: 'source: data.qcow2\nformat: qcow2\n',
  'raw-durable': 'source: data.raw\nformat: raw\ndisk-sync: durable\n',
  'qcow2-durable': 'source: data.qcow2\nformat: qcow2\ndisk-sync: durable\n',
  tarball: 'source: rootfs.tar.zst\nformat: tarball\nbootloader: none\n',
  'bookworm-qcow2': 'source: bookworm.qcow2\nformat: qcow2\n',
  'bookworm-tarball': 'source: bookworm.tar.zst\nformat: tarball\n',
};

/**
 * Remove the disks of earlier runs (on a filesystem mounted `discard`, freeing their blocks issues
 * discards that would land in the next timed run), flush everything, then drop the input images'
 * pages (`dd iflag=nocache count=0`: the whole file).
 */
function evictImages(): void {
  rmSync(DISKS, { recursive: true, force: true });
  mkdirSync(DISKS, { recursive: true });
  sh('sync', []);
  for (const f of ['data.raw', 'data.qcow2', 'rootfs.tar.zst'])
    sh('dd', [`if=${join(IMAGES, f)}`, 'iflag=nocache', 'count=0', 'status=none']);
}

/** The image provider installed into BASE, its variants naming files of IMAGES. */
function installImage(): string {
  const variants = join(CONFIG_ROOT, 'instance-image', 'variants');
  mkdirSync(variants, { recursive: true });
  for (const [name, text] of Object.entries(VARIANTS))
    writeFileSync(join(variants, `${name}.yaml`), `${text}image-dir: ${IMAGES}\n`);
  sh(process.execPath, [
    CLI,
    'install',
    '--os-dir',
    OS_DIR,
    '--lib-dir',
    join(BASE, 'lib'),
    '--search-path',
    OS_DIR,
    '--config-root',
    CONFIG_ROOT,
    '--cache-root',
    join(BASE, 'cache'),
    '--force',
    'image',
  ]);
  return join(OS_DIR, 'image');
}

function check(r: ScriptRun, what: string): void {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}):\n${r.stderr}`);
}

/** Our create of `variant` onto a fresh disk. */
async function ours(scripts: string, variant: string, sizeMiB = DISK_MiB): Promise<void> {
  const disk = freshDisk(`ours-${variant}.img`, sizeMiB);
  const env = {
    ...instanceEnv({
      name: 'bench1.example.org',
      variant,
      disks: [{ path: disk, sizeMiB }],
      nics: [{ mac: 'aa:00:00:00:0e:01' }],
    }),
    OS_NAME: 'image',
    INSTANCE_OS: `image+${variant}`,
  };
  check(await runOsScript(scripts, 'create', env), `image+${variant} create`);
}

/**
 * The bare copy. qemu-img leaves what it wrote in the page cache (its default cache mode for the
 * target never flushes); `durable` adds a `sync` of the disk, the flush ours makes with
 * `disk-sync: durable`.
 */
function qemuImgPeer(format: 'raw' | 'qcow2', durable: boolean): void {
  const disk = freshDisk(`peer-${format}.img`);
  const image = join(IMAGES, format === 'raw' ? 'data.raw' : 'data.qcow2');
  sh('qemu-img', ['convert', '-n', '-f', format, '-O', 'raw', image, disk]);
  if (durable) sh('sync', [disk]);
}

/** mkfs.ext4 on the disk, mount it, `zstd -dc | tar -x` the tarball into it, unmount. */
function tarPeer(): void {
  const disk = freshDisk('peer-tarball.img');
  const loop = sh('losetup', ['-f', '--show', disk]).trim();
  try {
    sh('mkfs.ext4', ['-q', '-F', loop]);
    sh('mount', ['-t', 'ext4', loop, MNT]);
    try {
      sh('/bin/bash', [
        '-o',
        'pipefail',
        '-c',
        `zstd -dc '${join(IMAGES, 'rootfs.tar.zst')}' | tar --numeric-owner -xpf - -C '${MNT}'`,
      ]);
    } finally {
      sh('umount', [MNT]);
    }
  } finally {
    sh('losetup', ['-d', loop]);
  }
}

async function benchBookworm(scripts: string, runs: number): Promise<RatioLine[]> {
  const t = Date.now();
  let golden: Golden | undefined;
  try {
    golden = await buildGolden('golden.example.org', GUEST_MiB, 'bench-image');
    for (const file of ['bookworm.qcow2', 'bookworm.tar.zst']) {
      const r = captureCli(golden.disk, join(IMAGES, file), ['--force']);
      if (r.code !== 0) throw new Error(`capture ${file} failed:\n${r.stderr}`);
    }
    console.log(`  golden bookworm guest made and captured in ${((Date.now() - t) / 1000).toFixed(0)} s`);
    const deb = golden.deb;
    const debCreate = async (): Promise<void> => {
      const disk = freshDisk('deb.img', GUEST_MiB);
      const env = instanceEnv({
        name: 'bench1.example.org',
        variant: 'full',
        disks: [{ path: disk, sizeMiB: GUEST_MiB }],
        nics: [{ mac: 'aa:00:00:00:0e:01' }],
      });
      check(await deb.run('create', env), 'debootstrap+full create');
    };
    const lines: RatioLine[] = [];
    for (const variant of ['bookworm-qcow2', 'bookworm-tarball']) {
      const times = await interleave(runs, () => ours(scripts, variant, GUEST_MiB), debCreate, 1, dropCaches);
      lines.push(report(`image-${variant}-vs-debootstrap-warm`, times, LIMITS.bookworm));
    }
    return lines;
  } finally {
    golden?.deb.dispose();
  }
}

export async function benchImage(what = 'all', runs = 3): Promise<RatioLine[]> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  makeInputs();
  const scripts = installImage();
  const lines: RatioLine[] = [];
  const want = (w: string): boolean => what === 'all' || what === w;
  try {
    for (const format of ['raw', 'qcow2'] as const) {
      if (!want(format)) continue;
      for (const durable of [false, true]) {
        const times = await interleave(
          runs,
          () => ours(scripts, durable ? `${format}-durable` : format),
          () => qemuImgPeer(format, durable),
          1,
          evictImages,
        );
        const name = durable
          ? `image-${format}-1g-durable-vs-qemu-img-convert-and-sync`
          : `image-${format}-1g-vs-qemu-img-convert`;
        lines.push(report(name, times, LIMITS[format]));
      }
    }
    const unlimited = want('slow') ? readLimitUnavailable() : undefined;
    if (unlimited) console.log(`  slow: skipped (${unlimited})`);
    else if (want('slow')) {
      const bps = Number(process.env.BENCH_READ_MBPS ?? 500) * 1e6;
      console.log(`  reads limited to ${describeLimit(IMAGES, bps)} for both sides`);
      for (const format of ['raw', 'qcow2'] as const) {
        const times = await withReadLimit(IMAGES, bps, () =>
          interleave(
            runs,
            () => ours(scripts, format),
            () => qemuImgPeer(format, false),
            1,
            evictImages,
          ),
        );
        lines.push(
          report(`image-${format}-1g-vs-qemu-img-convert-reads-at-${bps / 1e6}MBps`, times, LIMITS[format]),
        );
      }
    }
    if (want('tarball')) {
      const times = await interleave(runs, () => ours(scripts, 'tarball'), tarPeer, 1, evictImages);
      lines.push(report('image-tarball-zstd-vs-mkfs-tar', times, LIMITS.tarball));
    }
    if (want('bookworm')) lines.push(...(await benchBookworm(scripts, runs)));
  } finally {
    rmSync(DISKS, { recursive: true, force: true });
  }
  return lines;
}

const invoked = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  const [what = 'all', runs = '3'] = process.argv.slice(2);
  if (what === 'clean') {
    rmSync(BASE, { recursive: true, force: true });
  } else {
    const lines = await benchImage(what, Number(runs));
    console.log('== summary');
    for (const l of lines)
      console.log(`RATIO ${l.name} ${l.ratio.toFixed(3)} limit ${l.limit} ${l.ok ? 'PASS' : 'FAIL'}`);
    process.exitCode = lines.every((l) => l.ok) ? 0 : 1;
  }
}
