/**
 * A golden guest for the image provider's end-to-end tests and benchmark: a bookworm instance made
 * by the debootstrap provider (the `full` test variant, whose cache entry the debootstrap tests
 * keep warm), captured with `ganeti-os image capture` (the built CLI), and read back with the
 * host's tools: its identity (hostname, machine-id, ssh host keys) and how much of its disk the
 * root filesystem fills.
 */
import { spawnSync } from 'node:child_process';
import { statfsSync } from 'node:fs';
import {
  CLI,
  installFixture,
  instanceEnv,
  leakWatch,
  sfdiskJson,
  withImage,
  type Fixture,
} from '../integration/debootstrap/fixture.js';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export interface Identity {
  hostname: string;
  machineId: string;
  /** `name: public key` of every ssh host key, sorted. */
  hostKeys: string[];
}

export interface Golden {
  deb: Fixture;
  /** The golden instance's disk file. */
  disk: string;
  identity: Identity;
}

/**
 * Install debootstrap into a private OS dir and create `name` on a `sizeMiB` file disk from the warm
 * cache (msdos, ext4, GRUB, serial console on): the golden instance.
 */
export async function buildGolden(name: string, sizeMiB: number, tag = 'golden'): Promise<Golden> {
  const deb = installFixture({ tag });
  try {
    const disk = deb.newDisk(sizeMiB * MiB, 'golden.img').path;
    const watch = leakWatch(deb, [disk]);
    const r = await deb.run(
      'create',
      instanceEnv({
        name,
        variant: 'full',
        disks: [{ path: disk, sizeMiB }],
        nics: [{ mac: 'aa:00:00:00:0a:01' }],
      }),
    );
    if (r.code !== 0) throw new Error(`golden create failed:\n${r.stderr}`);
    const leaks = watch.check();
    if (leaks.length > 0) throw new Error(`golden create leaked: ${leaks.join(', ')}`);
    return { deb, disk, identity: await identityOf(disk) };
  } catch (e) {
    deb.dispose();
    throw e;
  }
}

/** A guest's hostname, machine-id and ssh host public keys, read from its disk (read-only mount). */
export function identityOf(disk: string): Promise<Identity> {
  return withImage(disk, (g) => {
    const ls = spawnSync('ls', [`${g.root}/etc/ssh`], { encoding: 'utf8' }).stdout.split('\n');
    const hostKeys = ls
      .filter((n) => /^ssh_host_.*_key\.pub$/.test(n))
      .map((n) => `${n}: ${g.read(`etc/ssh/${n}`).trim()}`)
      .sort();
    return {
      hostname: g.read('etc/hostname').trim(),
      machineId: g.read('etc/machine-id').trim(),
      hostKeys,
    };
  });
}

export interface Fill {
  /** Bytes of the disk after the end of the last partition (the whole disk for no table). */
  tailBytes: number;
  /** Size of the root filesystem as statfs reports it. */
  rootBytes: number;
}

/** How much of `disk` (of `diskBytes`) the last partition and the root filesystem take. */
export function fillOf(disk: string, diskBytes: number): Promise<Fill> {
  const table = sfdiskJson(disk);
  const last = table?.partitions.at(-1);
  const tailBytes = last ? diskBytes - (last.start + last.size) * 512 : 0;
  return withImage(disk, (g) => {
    const s = statfsSync(g.root);
    return { tailBytes, rootBytes: s.blocks * s.bsize };
  });
}

export interface CaptureRun {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** `ganeti-os image capture <disk> --output <output> ...` with the built CLI. */
export function captureCli(disk: string, output: string, extra: string[] = []): CaptureRun {
  const t = Date.now();
  const r = spawnSync(process.execPath, [CLI, 'image', 'capture', disk, '--output', output, ...extra], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 15 * 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - t) / 1000 };
}
