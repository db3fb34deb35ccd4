/**
 * Boot tests: a minimal Debian bookworm root (debootstrap, cached as a tar) laid on a 2 GiB file disk
 * with the msdos and gpt layouts of src/disk, GRUB installed by src/boot, then booted in qemu (TCG)
 * under BIOS, and gpt also under UEFI (OVMF), until the serial console shows `<hostname> login:`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { prepareDisk, type PartitionStyle } from '../../src/disk/index.js';
import { installBootloader } from '../../src/boot/install.js';
import { DEFAULT_SERIAL } from '../../src/boot/grub-config.js';
import { renderFstab } from '../../src/guest/fstab.js';
import { writeGuestFiles } from '../../src/guest/writer.js';
import { bootTest } from '../../src/boot/qemu.js';
import { ExecRunner } from '../../src/process/runner.js';
import { CleanupStack } from '../../src/runtime/cleanup.js';
import { Logger, MemorySink } from '../../src/runtime/logger.js';
import { assertNoLeftovers, ensureTestRootfs, isRoot, makeDiskFile, type DiskFile } from '../helpers/disk.js';

const GiB = 1024 ** 3;
const files: DiskFile[] = [];

afterAll(() => {
  const problems: string[] = [];
  for (const f of files) {
    try {
      assertNoLeftovers(f);
    } catch (e) {
      problems.push(String(e));
    }
    f.remove();
  }
  expect(problems).toEqual([]);
});

async function buildImage(style: PartitionStyle, hostname: string): Promise<string> {
  const rootfs = ensureTestRootfs();
  const disk = makeDiskFile(2 * GiB);
  files.push(disk);
  const log = new Logger('info', new MemorySink());
  const runner = new ExecRunner(log);
  const stack = new CleanupStack(log);
  try {
    const prepared = await prepareDisk({
      path: disk.path,
      backendType: 'file:loop',
      layout: { style, filesystem: 'ext4' },
      runner,
      stack,
      log,
    });
    await runner.run('tar', [
      '--numeric-owner',
      '--xattrs',
      '--xattrs-include=*',
      '-xpf',
      rootfs,
      '-C',
      prepared.target,
    ]);
    await writeGuestFiles(prepared.target, [
      { kind: 'file', path: '/etc/fstab', content: renderFstab(prepared.fstab), mode: 0o644 },
      { kind: 'file', path: '/etc/hostname', content: `${hostname}\n`, mode: 0o644 },
      {
        kind: 'file',
        path: '/etc/hosts',
        content: `127.0.0.1\tlocalhost\n127.0.1.1\t${hostname}\n`,
        mode: 0o644,
      },
    ]);
    const boot = await installBootloader({
      disk: prepared,
      serialConsole: DEFAULT_SERIAL,
      runner,
      log,
      stack,
    });
    expect(boot.installed).toEqual(style === 'gpt' ? ['bios', 'uefi'] : ['bios']);
  } finally {
    const errors = await stack.unwind();
    expect(errors).toEqual([]);
  }
  assertNoLeftovers(disk);
  return disk.path;
}

const TIMEOUT = 6 * 60_000;

describe.skipIf(!isRoot)('a prepared disk boots in qemu', () => {
  it(
    'msdos under BIOS reaches the login prompt',
    async () => {
      const image = await buildImage('msdos', 'boot-msdos');
      const r = await bootTest({ image, firmware: 'bios', expect: /boot-msdos login:/, timeoutMs: TIMEOUT });
      expect(r.ok, r.transcript.slice(-3000)).toBe(true);
    },
    15 * 60_000,
  );

  it(
    'gpt under BIOS and under UEFI reaches the login prompt',
    async () => {
      const image = await buildImage('gpt', 'boot-gpt');
      const bios = await bootTest({ image, firmware: 'bios', expect: /boot-gpt login:/, timeoutMs: TIMEOUT });
      expect(bios.ok, bios.transcript.slice(-3000)).toBe(true);
      const uefi = await bootTest({ image, firmware: 'uefi', expect: /boot-gpt login:/, timeoutMs: TIMEOUT });
      expect(uefi.ok, uefi.transcript.slice(-3000)).toBe(true);
    },
    25 * 60_000,
  );
});
