/**
 * guix with luks_passphrase on real loop files (STAND-IN guix): create formats the root partition
 * as LUKS2 with the passphrase on cryptsetup's stdin and opens it with device-mapper. This host has
 * no device-mapper, so here create ends with one E_DISK_CRYPT line after luksFormat and undoes
 * everything; on a node with dm-crypt the same test checks the installed, encrypted guest (the
 * argument vectors, stdin and cleanup order are checked against a fake device-mapper in
 * src/disk/encrypt.test.ts). An encrypted guest (its root made a LUKS container here with
 * cryptsetup luksFormat, which needs no device-mapper) exports its encrypted bytes as a raw stream,
 * import writes them back unchanged, and rename refuses with one line. The passphrase shows up
 * nowhere. Skipped without root; the encrypted-guest tests also without cryptsetup.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot } from '../../helpers/disk.js';
import {
  blkid,
  guixEnv,
  installGuixFixture,
  lastLine,
  leakWatch,
  MiB,
  readHead,
  runToFile,
  sfdiskJson,
  standinVariants,
  type GuixFixture,
} from './fixture.js';

const SECRET = 'correct horse $(battery) "staple" secret';
const SIZE = 1536;
const NIC = { mac: 'aa:00:00:00:00:11' };

const hasCryptsetup = spawnSync('cryptsetup', ['--version']).status === 0;
/** dm-crypt usable: dmsetup reaches the kernel's device-mapper. */
const hasDm = hasCryptsetup && spawnSync('dmsetup', ['version']).status === 0;

let fx: GuixFixture;

beforeAll(() => {
  if (!isRoot) return;
  fx = installGuixFixture(standinVariants);
});
afterAll(() => fx?.dispose());

const env = (name: string, disk: string, params: Record<string, string> = {}, extra = {}) =>
  guixEnv({ name, variant: 'ext4', disks: [{ path: disk, sizeMiB: SIZE }], nics: [NIC], params, extra });

/** Everything the run could have written the passphrase into. */
function expectSecretNowhere(stderr: string): void {
  expect(stderr).not.toContain('horse');
  expect(JSON.stringify(fx.calls())).not.toContain('horse');
}

/** A loop device over one partition of `disk` (sfdisk's sectors of 512 bytes); the caller detaches it. */
function partitionLoop(disk: string, p: { start: number; size: number }, readOnly = false): string {
  const args = ['--show', '-f', ...(readOnly ? ['-r'] : []), '-o', String(p.start * 512)];
  args.push('--sizelimit', String(p.size * 512), disk);
  return execFileSync('losetup', args).toString().trim();
}

describe.skipIf(!isRoot)('guix provider: an encrypted root (luks_passphrase)', () => {
  it(
    hasDm
      ? 'create encrypts the root (LUKS2) and names the container in the instance data'
      : 'create without device-mapper: luksFormat, then one E_DISK_CRYPT line; everything undone',
    async () => {
      fx.clearCalls();
      const disk = fx.newDisk(SIZE * MiB, 'luks-create.img').path;
      const watch = leakWatch(fx, [disk]);
      const r = await fx.run('create', env('sec1.example.org', disk, { luks_passphrase: SECRET }));
      expect(watch.check()).toEqual([]);
      expectSecretNowhere(r.stderr);
      const table = sfdiskJson(disk)!;
      expect(table.partitions).toHaveLength(3);
      if (!hasDm) {
        expect(r.code).not.toBe(0);
        expect(lastLine(r.stderr)).toMatch(/^error\[E_DISK_CRYPT\]: cryptsetup failed/);
        expect(r.stderr).toMatch(/hint: .*device-mapper/);
        // guix never ran: the root could not be opened.
        expect(fx.calls()).toEqual([]);
        return;
      }
      expect(r.code, r.stderr).toBe(0);
      // The root partition holds the container; its filesystem is only visible once opened.
      const root = table.partitions[2]!;
      const part = partitionLoop(disk, root, true);
      try {
        expect(blkid(part).TYPE).toBe('crypto_LUKS');
      } finally {
        execFileSync('losetup', ['-d', part]);
      }
      expect(r.stderr).toMatch(/LUKS2-encrypted root/);
    },
  );

  describe.skipIf(!hasCryptsetup)('an encrypted guest (its root a LUKS container)', () => {
    let disk: string;
    beforeAll(async () => {
      disk = fx.newDisk(SIZE * MiB, 'luks-guest.img').path;
      const r = await fx.run('create', env('enc1', disk));
      expect(r.code, r.stderr).toBe(0);
      // What create with luks_passphrase leaves on a node with dm-crypt, minus the files inside.
      const root = sfdiskJson(disk)!.partitions[2]!;
      const part = partitionLoop(disk, root);
      try {
        execFileSync(
          'cryptsetup',
          ['luksFormat', '--type', 'luks2', '--pbkdf', 'pbkdf2', '--batch-mode', '--key-file', '-', part],
          { input: SECRET },
        );
      } finally {
        execFileSync('losetup', ['-d', part]);
      }
    });

    it('export streams its encrypted bytes (raw); import writes them back unchanged', async () => {
      const stream = join(fx.work, 'enc1.stream');
      const out = await runToFile(
        fx,
        'export',
        { ...env('enc1', disk, { luks_passphrase: SECRET }), EXPORT_DEVICE: disk, EXPORT_INDEX: '0' },
        stream,
      );
      expect(out.code, out.stderr).toBe(0);
      expect(out.stderr).toMatch(/exporting its raw bytes/);
      expectSecretNowhere(out.stderr);
      expect(readHead(stream, 512).toString('latin1')).toContain('"kind":"raw"');
      const target = fx.newDisk(SIZE * MiB, 'enc2.img').path;
      const watch = leakWatch(fx, [target]);
      const r = await fx.run(
        'import',
        {
          ...env('enc2', target, { luks_passphrase: SECRET }),
          IMPORT_DEVICE: target,
          IMPORT_INDEX: '0',
        },
        { stdinFile: stream },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(watch.check()).toEqual([]);
      expectSecretNowhere(r.stderr);
      rmSync(stream);
      expect(execFileSync('cmp', [disk, target]).toString()).toBe('');
    });

    it('rename refuses with one line saying what to do in the guest', async () => {
      const watch = leakWatch(fx, [disk]);
      const r = await fx.run('rename', {
        ...env('enc3', disk, { luks_passphrase: SECRET }),
        OLD_INSTANCE_NAME: 'enc1',
      });
      expect(r.code).not.toBe(0);
      expect(lastLine(r.stderr)).toMatch(
        /^error\[E_UNSUPPORTED\]: the root of enc3 is encrypted: rename cannot write its new name/,
      );
      expect(r.stderr).toMatch(/hint: in the guest, write enc3 to \/etc\/ganeti-os\/hostname/);
      expectSecretNowhere(r.stderr);
      expect(watch.check()).toEqual([]);
    });
  });

  it('import of an unencrypted guest with luks_passphrase is refused in one line', async () => {
    const src = fx.newDisk(SIZE * MiB, 'plain-src.img').path;
    expect((await fx.run('create', env('plain1', src))).code).toBe(0);
    const stream = join(fx.work, 'plain1.stream');
    const out = await runToFile(
      fx,
      'export',
      { ...env('plain1', src), EXPORT_DEVICE: src, EXPORT_INDEX: '0' },
      stream,
    );
    expect(out.code, out.stderr).toBe(0);
    const target = fx.newDisk(SIZE * MiB, 'plain-dst.img').path;
    const watch = leakWatch(fx, [target]);
    const r = await fx.run(
      'import',
      { ...env('plain2', target, { luks_passphrase: SECRET }), IMPORT_DEVICE: target, IMPORT_INDEX: '0' },
      { stdinFile: stream },
    );
    rmSync(stream);
    expect(r.code).not.toBe(0);
    expect(watch.check()).toEqual([]);
    expectSecretNowhere(r.stderr);
    // Without device-mapper the encrypted root cannot even be opened; with it, the restored system is refused.
    expect(lastLine(r.stderr)).toMatch(
      hasDm
        ? /^error\[E_UNSUPPORTED\]: luks_passphrase is set, but import does not encrypt/
        : /^error\[E_DISK_CRYPT\]: cryptsetup failed/,
    );
  });
});
