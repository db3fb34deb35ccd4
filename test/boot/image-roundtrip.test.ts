/**
 * The golden round trip: a bookworm guest made by the debootstrap provider (warm cache) is captured
 * with `ganeti-os image capture` as a dump, a zstd tarball, a qcow2 and a zstd raw image; each is
 * deployed by the image provider's create (a Ganeti-like environment, a new instance name) onto a
 * larger file disk, where the root filesystem fills the disk and the clone has its own hostname,
 * machine-id and ssh host keys; then every clone boots in qemu (TCG) to `<new name> login:`.
 * One golden build serves all four formats; two clones boot at a time.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTest, type BootTestResult } from '../../src/boot/qemu.js';
import { isRoot } from '../helpers/disk.js';
import {
  buildGolden,
  captureCli,
  fillOf,
  GiB,
  identityOf,
  MiB,
  type Golden,
  type Identity,
} from '../helpers/image-golden.js';
import {
  imageEnv,
  installImageFixture,
  lastLine,
  leakWatch,
  type ImageFixture,
} from '../integration/image-provider/fixture.js';

const GOLDEN_MiB = 3072;
const CLONE_MiB = 4096;
const BOOT_TIMEOUT = 10 * 60_000;

/** Each format: its capture output (in the image dir), its variant, the clone's name. */
const FORMATS = [
  { format: 'dump', output: '', variant: 'dump', name: 'imgdump' },
  { format: 'tarball', output: 'golden.tar.zst', variant: 'tarzst', name: 'imgtar' },
  { format: 'qcow2', output: 'golden.qcow2', variant: 'qcow2', name: 'imgqcow' },
  { format: 'raw', output: 'golden.raw.zst', variant: 'rawzst', name: 'imgraw' },
] as const;

let golden: Golden | undefined;
let fx: ImageFixture | undefined;
const clones = new Map<string, string>();

beforeAll(async () => {
  if (!isRoot) return;
  golden = await buildGolden('golden.example.org', GOLDEN_MiB, 'imgboot');
  fx = installImageFixture((f) => {
    const v = (name: string, text: string): void =>
      writeFileSync(join(f.configDir, 'variants', `${name}.yaml`), text);
    v('dump', `source: golden-x86_64-root.dump\nformat: dump\nimage-dir: ${f.images}\n`);
    v('tarzst', `source: golden.tar.zst\nformat: tarball\nimage-dir: ${f.images}\n`);
    v('qcow2', `source: golden.qcow2\nformat: qcow2\nimage-dir: ${f.images}\n`);
    v('rawzst', `source: golden.raw.zst\nformat: raw\nimage-dir: ${f.images}\n`);
  });
}, 900_000);

afterAll(() => {
  fx?.dispose();
  golden?.deb.dispose();
});

describe.skipIf(!isRoot)('golden round trip: debootstrap guest -> capture -> image provider -> boot', () => {
  it('the golden guest has an identity of its own', () => {
    const id = golden!.identity;
    expect(id.hostname).toBe('golden');
    expect(id.machineId).toMatch(/^[0-9a-f]{32}$/);
    expect(id.hostKeys.length).toBeGreaterThan(0);
  });

  it('ganeti-os image capture writes the four images, each with its .sha256', () => {
    for (const f of FORMATS) {
      const out = f.output ? join(fx!.images, f.output) : fx!.images;
      const extra = f.format === 'dump' ? ['--name', 'golden', '--arch', 'x86_64'] : [];
      const r = captureCli(golden!.disk, out, extra);
      expect(r.code, r.stderr).toBe(0);
      console.info(`capture ${f.format}: ${r.seconds.toFixed(1)} s`);
      const file = f.output ? out : join(out, 'golden-x86_64-root.dump');
      expect(existsSync(file), file).toBe(true);
      const sum = readFileSync(`${file}.sha256`, 'utf8');
      expect(sum).toMatch(/^[0-9a-f]{64} /);
    }
  }, 900_000);

  it.each(FORMATS)(
    '$format: deployed onto a larger disk, filling it, with a new identity',
    async (f) => {
      const disk = fx!.newDisk(CLONE_MiB * MiB, `${f.name}.img`).path;
      const watch = leakWatch(fx!, [disk]);
      const t = Date.now();
      const r = await fx!.run(
        'create',
        imageEnv({
          name: `${f.name}.example.org`,
          variant: f.variant,
          disks: [{ path: disk, sizeMiB: CLONE_MiB }],
          nics: [{ mac: 'aa:00:00:00:0b:01' }],
        }),
      );
      expect(r.code, r.stderr).toBe(0);
      console.info(`deploy ${f.format}: ${((Date.now() - t) / 1000).toFixed(1)} s; ${lastLine(r.stderr)}`);
      expect(watch.check()).toEqual([]);
      const fill = await fillOf(disk, CLONE_MiB * MiB);
      expect(fill.tailBytes).toBeLessThan(2 * MiB);
      expect(fill.rootBytes).toBeGreaterThan(3.7 * GiB);
      const id: Identity = await identityOf(disk);
      const old = golden!.identity;
      expect(id.hostname).toBe(f.name);
      expect(id.machineId).toMatch(/^[0-9a-f]{32}$/);
      expect(id.machineId).not.toBe(old.machineId);
      expect(id.hostKeys.length).toBeGreaterThan(0);
      for (const k of id.hostKeys) expect(old.hostKeys).not.toContain(k);
      clones.set(f.format, disk);
    },
    600_000,
  );

  it(
    'every clone boots in qemu (TCG) to "<new name> login:"',
    async () => {
      const pending = FORMATS.filter((f) => clones.has(f.format));
      expect(pending.map((f) => f.format)).toEqual(FORMATS.map((f) => f.format));
      const results: [string, BootTestResult][] = [];
      // Two at a time: TCG takes a core per guest.
      for (let i = 0; i < pending.length; i += 2) {
        const batch = pending.slice(i, i + 2);
        const done = await Promise.all(
          batch.map((f) =>
            bootTest({
              image: clones.get(f.format)!,
              format: 'raw',
              firmware: 'bios',
              expect: new RegExp(`${f.name} login:`),
              timeoutMs: BOOT_TIMEOUT,
            }),
          ),
        );
        batch.forEach((f, j) => results.push([f.format, done[j]!]));
      }
      for (const [format, r] of results) {
        console.info(`boot ${format}: ${(r.elapsedMs / 1000).toFixed(1)} s`);
        expect(r.ok, `${format}: no login prompt; console tail:\n${r.transcript.slice(-3000)}`).toBe(true);
      }
    },
    25 * 60_000,
  );
});
