/**
 * The guix provider's real-install tier: the REAL create (a real guix with substitutes, the shipped
 * `default` variant) onto a sparse loop file, the disk booted in qemu (TCG) to `<name> login:` on
 * the serial console; then export, import into a new disk (the root's UUID and label kept, GRUB's
 * BIOS core written again) and a second boot; then rename and the guest's host name file.
 *
 * It needs a node that reaches Guix's substitute servers, a running guix-daemon and about 6 GiB
 * of store, so it runs only with GANETI_OS_GUIX_INSTALL=1 and is skipped (with the reason)
 * otherwise. The guix is GANETI_OS_GUIX, else `guix` on PATH. GANETI_OS_GUIX_SKIP_CHECKS=1 sets
 * the variant's skip-checks (guix system init --skip-checks) for sandboxes that forbid opening the
 * node's disks. See docs/guix.md, "Running the suite on a node that reaches Guix's substitute
 * servers".
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTest } from '../../../src/boot/qemu.js';
import { isRoot } from '../../helpers/disk.js';
import type { NicSpec } from '../debootstrap/fixture.js';
import {
  guixEnv,
  installGuixFixture,
  leakWatch,
  MiB,
  runToFile,
  withImage,
  type GuixFixture,
} from '../guix/fixture.js';

const GUIX = process.env.GANETI_OS_GUIX || 'guix';
const SIZE = 8192; // MiB: a minimal Guix System is 2-3 GiB
const BOOT_TIMEOUT = 20 * 60_000; // TCG: GRUB, the Linux-libre kernel, the initrd and Shepherd
const INSTALL_TIMEOUT = 3 * 60 * 60_000; // substitutes for a whole system, or builds on a cache miss

function readiness(): { ready: boolean; reason: string } {
  if (process.env.GANETI_OS_GUIX_INSTALL !== '1')
    return {
      ready: false,
      reason: 'GANETI_OS_GUIX_INSTALL=1 is not set (needs Guix substitute servers, a guix-daemon and ~6 GiB)',
    };
  if (!isRoot) return { ready: false, reason: 'not root (loop devices, mounts)' };
  const v = spawnSync(GUIX, ['--version'], { encoding: 'utf8' });
  if (v.status !== 0) return { ready: false, reason: `no guix at ${GUIX} (set GANETI_OS_GUIX)` };
  const q = spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' });
  if (q.status !== 0) return { ready: false, reason: 'no qemu-system-x86_64' };
  return { ready: true, reason: '' };
}

const { ready, reason } = readiness();
const VARIANT_SCM = join(process.cwd(), 'variants/guix/default.scm');
const NIC = { mac: 'aa:00:00:47:55:01', ip: '192.0.2.40', subnet: '192.0.2.0/24', gateway: '192.0.2.1' };
const NIC2 = { mac: 'aa:00:00:47:55:02' };

let fx: GuixFixture;

describe.skipIf(!ready)(
  ready ? 'guix provider: real install, boot, export/import, rename' : `guix install: SKIPPED, ${reason}`,
  () => {
    beforeAll(() => {
      console.log(
        `real install with ${spawnSync(GUIX, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]}`,
      );
      fx = installGuixFixture((f) => ({
        // The shipped default configuration, the real guix, Guix's substitute servers (the default).
        'real.yaml': [
          `config: ${VARIANT_SCM}`,
          `guix: ${GUIX}`,
          `gc-root-dir: ${f.gcRoots}`,
          `skip-checks: ${process.env.GANETI_OS_GUIX_SKIP_CHECKS === '1'}`,
          '',
        ].join('\n'),
      }));
    });
    afterAll(() => fx?.dispose());

    const env = (name: string, disk: string, nic: NicSpec = NIC, extra: Record<string, string> = {}) =>
      guixEnv({
        name,
        variant: 'real',
        disks: [{ path: disk, sizeMiB: SIZE }],
        nics: [nic],
        serialConsole: true,
        extra: { DEBUG_LEVEL: '1', ...extra },
      });

    async function boots(disk: string, expect_: RegExp): Promise<void> {
      const r = await bootTest({
        image: disk,
        firmware: 'bios',
        expect: expect_,
        timeoutMs: BOOT_TIMEOUT,
        memoryMiB: 2048,
      });
      if (!r.ok) console.log(r.transcript.slice(-4000));
      expect(r.ok, `no ${String(expect_)} within ${BOOT_TIMEOUT / 60_000} min`).toBe(true);
    }

    let disk: string;

    it(
      'create installs the default variant with the real guix; the disk boots to gx1 login:',
      async () => {
        disk = fx.newDisk(SIZE * MiB, 'gx1.img').path;
        const watch = leakWatch(fx, [disk]);
        const r = await fx.run('create', env('gx1.example.org', disk));
        expect(r.code, r.stderr.slice(-4000)).toBe(0);
        expect(watch.check()).toEqual([]);
        await boots(disk, /gx1 login:/);
      },
      INSTALL_TIMEOUT + BOOT_TIMEOUT,
    );

    let imported: string;

    it(
      'export, import into a new disk (new NIC), and the import boots',
      async () => {
        const stream = join(fx.work, 'gx1.stream');
        const out = await runToFile(
          fx,
          'export',
          { ...env('gx1.example.org', disk), EXPORT_DEVICE: disk, EXPORT_INDEX: '0' },
          stream,
        );
        expect(out.code, out.stderr).toBe(0);
        imported = fx.newDisk(SIZE * MiB, 'gx2.img').path;
        const watch = leakWatch(fx, [imported]);
        const r = await fx.run(
          'import',
          { ...env('gx2.example.org', imported, NIC2), IMPORT_DEVICE: imported, IMPORT_INDEX: '0' },
          { stdinFile: stream },
        );
        rmSync(stream);
        expect(r.code, r.stderr.slice(-4000)).toBe(0);
        expect(watch.check()).toEqual([]);
        // The installed system names the root by UUID: it boots unchanged.
        await boots(imported, /gx[12] login:/);
      },
      2 * BOOT_TIMEOUT,
    );

    it('rename writes the new name into the guest (read at boot by the ganeti-host-name service)', async () => {
      const watch = leakWatch(fx, [imported]);
      const r = await fx.run('rename', {
        ...env('gx3.example.org', imported, NIC2),
        OLD_INSTANCE_NAME: 'gx2.example.org',
      });
      expect(r.code, r.stderr).toBe(0);
      expect(watch.check()).toEqual([]);
      await withImage(imported, (g) => {
        expect(g.read('etc/ganeti-os/hostname')).toBe('gx3\n');
        expect(g.read('etc/ganeti-os/instance-data.scm')).toContain('(define ganeti-host-name "gx3")');
        expect(g.read('etc/ganeti-os/ganeti-os.scm')).toContain('(define* (ganeti-operating-system');
      });
    }, 120_000);
  },
);
