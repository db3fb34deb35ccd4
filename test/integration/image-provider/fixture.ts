/**
 * The image provider as Ganeti runs it: installed into a private OS directory with a private
 * configuration root (its /etc/default lies beside it), scripts run with a Ganeti-like environment
 * against sparse file disks. Golden inputs are made here from a tiny root tree with the host's own
 * tools: a zstd tarball (tar | zstd), a dump (mke2fs -d of an ext4 file, then dump -0 -f), a raw
 * disk (one msdos partition holding that ext4 filesystem) and its qcow2 (qemu-img convert).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS } from '../../../src/ganeti/defaults.js';
import { type DiskFile } from '../../helpers/disk.js';
import { installArgv, osWorkspace } from '../../helpers/os-workspace.js';
import { type ScriptOptions, type ScriptRun } from '../../helpers/scripts.js';
import { ganetiOs, instanceEnv, type EnvSpec } from '../debootstrap/fixture.js';

export { lastLine } from '../../helpers/scripts.js';
export { leakWatch, withImage, readHead, MiB, fileSize, type EnvSpec } from '../debootstrap/fixture.js';

export const GOLDEN_MACHINE_ID = '0123456789abcdef0123456789abcdef';
export const GOLDEN_HOST_KEY = 'golden-host-key-shared-by-every-clone\n';
/** The golden fstab's root UUID (the image's own filesystem is made with it). */
export const GOLDEN_UUID = '3e6d8a52-5d6e-4a8f-9a3a-6f0e5c1d2b7a';

function sh(cmd: string, args: string[], o: { cwd?: string; input?: Buffer } = {}): string {
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    stdio: [o.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    ...(o.cwd ? { cwd: o.cwd } : {}),
    ...(o.input ? { input: o.input } : {}),
  });
}

/** A tiny Debian-looking root tree: what the guest configuration reads and replaces. */
export function makeGoldenTree(dir: string, marker = 'golden'): void {
  const files: Record<string, string> = {
    'etc/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n',
    'etc/debian_version': '12.5\n',
    'etc/fstab': `UUID=${GOLDEN_UUID} / ext4 errors=remount-ro 0 1\n`,
    'etc/hostname': 'golden\n',
    'etc/hosts': '127.0.0.1 localhost\n127.0.1.1 golden\n',
    'etc/machine-id': `${GOLDEN_MACHINE_ID}\n`,
    'etc/shadow': 'root:$6$golden$hash:19000:0:99999:7:::\n',
    'etc/passwd': 'root:x:0:0:root:/root:/bin/bash\n',
    'etc/ssh/ssh_host_ed25519_key': GOLDEN_HOST_KEY,
    'etc/ssh/ssh_host_ed25519_key.pub': 'ssh-ed25519 AAAAgolden root@golden\n',
    'etc/ssh/sshd_config': 'PermitRootLogin prohibit-password\n',
    'etc/network/interfaces': 'auto lo\niface lo inet loopback\n',
    'var/lib/dpkg/info/ifupdown.list': '/etc/network\n',
    'usr/sbin/sshd': '#!/bin/sh\n',
    'etc/image-marker': `${marker}\n`,
  };
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  chmodSync(join(dir, 'etc/shadow'), 0o640);
  chmodSync(join(dir, 'etc/ssh/ssh_host_ed25519_key'), 0o600);
  for (const d of ['root', 'tmp', 'boot', 'dev', 'proc', 'sys', 'run', 'var/lib/dbus'])
    mkdirSync(join(dir, d), { recursive: true });
}

/** `tar | zstd` of a tree (member names `./...`). */
export function makeZstdTarball(tree: string, out: string): void {
  sh('/bin/bash', ['-c', `tar --numeric-owner -C '${tree}' -cf - . | zstd -q -19 -o '${out}'`]);
}

/** An ext4 filesystem image of a tree, with the golden UUID. */
export function makeExt4(tree: string, out: string, sizeMiB = 32): void {
  sh('mke2fs', ['-q', '-F', '-t', 'ext4', '-U', GOLDEN_UUID, '-d', tree, out, `${sizeMiB}M`]);
}

/** `dump -0 -f` of an ext4 filesystem image made from the tree. */
export function makeDump(tree: string, out: string, work: string): void {
  const fs = join(work, `dump-src-${process.pid}.ext4`);
  makeExt4(tree, fs);
  // dump reads a device: a file argument would name a directory of a mounted filesystem.
  const loop = sh('losetup', ['-r', '-f', '--show', fs]).trim();
  try {
    sh('dump', ['-0', '-q', '-f', out, loop]);
  } finally {
    sh('losetup', ['-d', loop]);
    rmSync(fs, { force: true });
  }
}

/** A raw disk: one msdos partition (from 1 MiB) holding the ext4 image of the tree. */
export function makeRawDisk(tree: string, out: string, sizeMiB = 48): void {
  writeFileSync(out, '');
  sh('truncate', ['-s', `${sizeMiB}M`, out]);
  sh('sfdisk', ['-q', out], { input: Buffer.from('label: dos\nstart=2048, type=83\n') });
  sh('mke2fs', [
    '-q',
    '-F',
    '-t',
    'ext4',
    '-U',
    GOLDEN_UUID,
    '-d',
    tree,
    '-E',
    `offset=${1024 * 1024}`,
    out,
    `${sizeMiB - 1}M`,
  ]);
}

export function makeQcow2(raw: string, out: string): void {
  sh('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, out]);
}

export interface ImageFixture {
  work: string;
  osDir: string;
  configRoot: string;
  /** <configRoot>/instance-image */
  configDir: string;
  /** <configRoot>/../default/ganeti-instance-image */
  defaultsFile: string;
  cacheRoot: string;
  cacheDir: string;
  scripts: string;
  tmp: string;
  /** The images directory the test variants name. */
  images: string;
  newDisk(sizeBytes: number, name?: string): DiskFile;
  run(script: string, env: Record<string, string>, o?: ScriptOptions): Promise<ScriptRun>;
  dispose(): void;
}

/**
 * Install the image provider into a fresh temp OS dir; `setup(fx)` writes variants, legacy files,
 * images and network files before install (so variants are published).
 */
export function installImageFixture(setup: (fx: ImageFixture) => void): ImageFixture {
  const work = mkdtempSync(join(tmpdir(), 'gos-image-test-'));
  const configRoot = join(work, 'etc', 'ganeti');
  const configDir = join(configRoot, 'instance-image');
  const cacheRoot = join(work, 'cache');
  const osDir = join(work, 'os');
  const tmp = join(work, 'tmp');
  const images = join(work, 'images');
  for (const d of [osDir, join(configDir, 'variants'), join(work, 'etc', 'default'), images, cacheRoot])
    mkdirSync(d, { recursive: true });
  mkdirSync(tmp, { mode: 0o1777 });
  const scripts = join(osDir, 'image');
  const fx: ImageFixture = {
    work,
    osDir,
    configRoot,
    configDir,
    defaultsFile: join(work, 'etc', 'default', 'ganeti-instance-image'),
    cacheRoot,
    cacheDir: join(cacheRoot, 'image'),
    scripts,
    tmp,
    images,
    ...osWorkspace(work, scripts, tmp),
  };
  setup(fx);
  const r = ganetiOs(installArgv('image', { work, osDir, configRoot, cacheRoot }));
  if (r.code !== 0) throw new Error(`install failed: ${r.stderr}`);
  return fx;
}

/** The create environment for the image OS. */
export function imageEnv(s: EnvSpec): Record<string, string> {
  return { ...instanceEnv(s), OS_NAME: 'image', INSTANCE_OS: `image+${s.variant}` };
}

/** Files of a directory, for "nothing written outside" checks. */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

export { DEFAULTS };
