/**
 * debootstrap guests boot (qemu, software emulation, serial console) to `<hostname> login:`:
 *  - `ganeti-os build debootstrap+full --boot-test`: msdos, BIOS;
 *  - an instance created on a gpt file disk from the cache entry's filesystem image, under BIOS;
 *  - that instance exported and imported into a larger disk, under UEFI (OVMF), so one boot
 *    covers both the gpt image's UEFI path and an imported image.
 * The variants and the shared cache entry are those of test/integration/debootstrap.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTest, OVMF_CANDIDATES } from '../../src/boot/qemu.js';
import { isRoot } from '../helpers/disk.js';
import {
  CLI,
  fileSize,
  GiB,
  installFixture,
  instanceEnv,
  leakWatch,
  runToFile,
  sfdiskJson,
  type EnvSpec,
  type Fixture,
} from '../integration/debootstrap/fixture.js';

let fx: Fixture;
beforeAll(() => {
  fx = installFixture({ tag: 'boot' });
});
afterAll(() => fx?.dispose());

const BOOT_TIMEOUT = 10 * 60_000;
const haveOvmf = OVMF_CANDIDATES.some((p) => existsSync(p));

async function boots(image: string, host: string, firmware: 'bios' | 'uefi'): Promise<void> {
  const r = await bootTest({
    image,
    firmware,
    expect: new RegExp(`${host} login:`),
    timeoutMs: BOOT_TIMEOUT,
  });
  expect(r.ok, `no "${host} login:" under ${firmware}; console tail:\n${r.transcript.slice(-3000)}`).toBe(
    true,
  );
}

describe.skipIf(!isRoot)('debootstrap guests boot in qemu', () => {
  it(
    'ganeti-os build debootstrap+full --boot-test (msdos, BIOS) reaches the login prompt',
    () => {
      const output = join(fx.work, 'built.img');
      const watch = leakWatch(fx, []);
      const r = spawnSync(
        process.execPath,
        [
          CLI,
          'build',
          'debootstrap+full',
          '--os-dir',
          fx.osDir,
          '--name',
          'bootmsdos',
          '--output',
          output,
          '--size',
          '3G',
          '--boot-test',
          '--json',
        ],
        { encoding: 'utf8', env: { ...process.env, TMPDIR: fx.tmp }, timeout: 20 * 60_000 },
      );
      expect(r.status, r.stderr).toBe(0);
      const result = JSON.parse(r.stdout) as { bootTest?: { ok: boolean; seconds: number } };
      expect(result.bootTest?.ok).toBe(true);
      expect(r.stderr).toMatch(/boot test passed/);
      expect(fileSize(output)).toBe(3 * GiB);
      expect(sfdiskJson(output)?.label).toBe('dos');
      expect(watch.check()).toEqual([]);
      expect(spawnSync('losetup', ['-j', output], { encoding: 'utf8' }).stdout).toBe('');
    },
    25 * 60_000,
  );

  let spec: EnvSpec;
  let gpt = '';

  it(
    'a gpt instance boots under BIOS',
    async () => {
      gpt = fx.newDisk(3 * GiB, 'gpt.img').path;
      spec = {
        name: 'bootgpt',
        variant: 'full-gpt',
        disks: [{ path: gpt, sizeMiB: 3072 }],
        nics: [{ mac: 'aa:00:00:00:02:01' }],
      };
      const r = await fx.run('create', instanceEnv(spec));
      expect(r.code, r.stderr).toBe(0);
      // The cache entry is warm (the build above): its ext4 image is restored, not the tarball unpacked.
      expect(r.stderr).toContain('restored cached image');
      expect(sfdiskJson(gpt)?.label).toBe('gpt');
      await boots(gpt, 'bootgpt', 'bios');
    },
    25 * 60_000,
  );

  it.skipIf(!haveOvmf)(
    'the gpt instance, exported and imported into a larger disk, boots under UEFI',
    async () => {
      expect(gpt).not.toBe('');
      const stream = join(fx.work, 'gpt.stream');
      const exp = await runToFile(
        fx,
        'export',
        { ...instanceEnv(spec), EXPORT_DEVICE: gpt, EXPORT_INDEX: '0' },
        stream,
      );
      expect(exp.code, exp.stderr).toBe(0);
      const imported = fx.newDisk(4 * GiB, 'imported.img').path;
      const watch = leakWatch(fx, [imported]);
      const imp = await fx.run(
        'import',
        {
          ...instanceEnv({ ...spec, name: 'bootimp', disks: [{ path: imported, sizeMiB: 4096 }] }),
          IMPORT_DEVICE: imported,
          IMPORT_INDEX: '0',
        },
        { stdinFile: stream },
      );
      expect(imp.code, imp.stderr).toBe(0);
      expect(watch.check()).toEqual([]);
      const table = sfdiskJson(imported)!;
      expect(table.label).toBe('gpt');
      const last = table.partitions[table.partitions.length - 1]!;
      expect(last.start + last.size).toBeGreaterThan((4 * GiB - 2 * 1024 * 1024) / 512);
      // The guest keeps its own hostname: import moves an instance, it does not rename it.
      await boots(imported, 'bootgpt', 'uefi');
    },
    25 * 60_000,
  );
});
