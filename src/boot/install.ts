/**
 * Executor: install GRUB into a prepared disk. BIOS (msdos and gpt): `grub-install --target=i386-pc`
 * on the whole disk. UEFI (gpt): a self-built `grub-mkimage -O x86_64-efi` image with an early config
 * that finds /boot by UUID, copied to the removable path EFI/BOOT/BOOTX64.EFI of the ESP with mtools
 * (the ESP is never mounted). grub.cfg and /etc/default/grub are generated here from the kernel found
 * in the guest's /boot, so the guest needs no grub package.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Runner } from '../process/types.js';
import type { CleanupStack } from '../runtime/cleanup.js';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { FormattedPartition } from '../disk/fstab.js';
import type { PartitionPlan } from '../disk/layout.js';
import { mountsBelow } from '../disk/mountinfo.js';
import { noSyncEnv } from '../disk/nosync.js';
import { biosCoreModules, planBoot, type BootPlan, type BootOptions } from './plan.js';
import { readGuestDir } from '../guest/guest-path.js';
import type { GuestFile } from '../guest/types.js';
import { guestDirForHostTool, writeGuestFiles } from '../guest/writer.js';

const GRUB_LIB = '/usr/lib/grub';

export interface BootDisk {
  device: string;
  target: string;
  plan: PartitionPlan;
  partitions: readonly FormattedPartition[];
  mapper: string;
  runtimeDir: string;
}

export interface InstallBootloaderOptions extends BootOptions {
  disk: BootDisk;
  runner: Runner;
  log: Logger;
  stack: CleanupStack;
  /** The BIOS grub-install already started by startBiosGrub (awaited instead of running it again). */
  biosStarted?: Promise<void>;
}

/**
 * grub-install for BIOS needs only the disk and the mounted /boot, not the guest's files: create
 * starts it right after mounting, so it runs while the tree is unpacked (it is mostly waiting on
 * fsync). installBootloader then writes grub.cfg and awaits it. Undefined when the layout has no
 * BIOS boot or the mapper cannot do it (installBootloader reports that).
 */
export function startBiosGrub(disk: BootDisk, runner: Runner): Promise<void> | undefined {
  if (!disk.plan.firmware.bios || disk.mapper === 'loop-offset') return undefined;
  return runBiosGrub(disk, runner, biosCoreModules(disk.plan, disk.partitions));
}

/** The grub-install command for BIOS (pure, given the environment that disables fsync, if any). */
export function biosGrubCommand(
  disk: Pick<BootDisk, 'target' | 'device'>,
  modules: readonly string[],
  noSync: Record<string, string> | undefined,
): { cmd: string; args: string[]; env?: Record<string, string> } {
  const args = [
    '--target=i386-pc',
    `--boot-directory=${join(disk.target, 'boot')}`,
    `--modules=${modules.join(' ')}`,
    '--no-nvram',
    disk.device,
  ];
  return { cmd: 'grub-install', args, ...(noSync ? { env: noSync } : {}) };
}

async function runBiosGrub(disk: BootDisk, runner: Runner, modules: readonly string[]): Promise<void> {
  // grub-install writes below these on the host's view of the paths: no guest symlink on the way.
  await guestDirForHostTool(disk.target, '/boot/grub');
  for (const d of ['i386-pc', 'fonts', 'locale']) await guestDirForHostTool(disk.target, `/boot/grub/${d}`);
  // grub-install fsyncs each of the ~300 files it copies: through eatmydata (when installed) those
  // are no-ops, and the single flush of the device after the last unmount makes everything durable.
  const { cmd, args, env } = biosGrubCommand(disk, modules, noSyncEnv());
  await runner.run(cmd, args, {
    ...(env ? { env } : {}),
    code: 'E_BOOT_GRUB',
    hint: 'grub-install (i386-pc) failed; is grub-pc-bin installed?',
  });
}

export interface InstalledBoot {
  plan: BootPlan;
  installed: ('bios' | 'uefi')[];
}

export async function installBootloader(o: InstallBootloaderOptions): Promise<InstalledBoot> {
  const { disk, runner, log } = o;
  const bootFiles = (await readGuestDir(disk.target, '/boot')).filter((e) => e.isFile()).map((e) => e.name);
  const plan = planBoot(disk.plan, disk.partitions, bootFiles, o);
  if (plan.firmware.length === 0) {
    log.info(
      `partition style ${disk.plan.style}: no bootloader installed (the hypervisor must boot the kernel)`,
    );
    return { plan, installed: [] };
  }
  await writeGuestFiles(disk.target, plan.files);
  const installed: ('bios' | 'uefi')[] = [];
  if (plan.firmware.includes('bios')) {
    if (o.biosStarted) {
      await o.biosStarted;
    } else {
      if (disk.mapper === 'loop-offset') {
        throw new OsError(
          'E_BOOT_MAPPER',
          'BIOS GRUB cannot be installed through the loop-offset partition mapper',
          {
            hint: 'use partitionMapper partx (loop devices), kpartx or kernel',
          },
        );
      }
      await runBiosGrub(disk, runner, plan.biosModules);
    }
    installed.push('bios');
  }
  if (plan.firmware.includes('uefi')) {
    await installEfi(o, plan);
    installed.push('uefi');
  }
  log.info(`GRUB installed for ${installed.join(' and ')} booting ${plan.kernel.kernel}`);
  return { plan, installed };
}

async function installEfi(o: InstallBootloaderOptions, plan: BootPlan): Promise<void> {
  const { disk, runner, stack } = o;
  const esp = disk.partitions.find((p) => p.role === 'esp');
  if (!esp)
    throw new OsError('E_BOOT_ESP', 'no EFI system partition in the layout', {
      hint: 'use partition style gpt',
    });
  const tmp = mkdtempSync(join(disk.runtimeDir, 'efi-'));
  const h = stack.push(`remove ${tmp}`, () => {
    if (mountsBelow(tmp).length === 0) rmSync(tmp, { recursive: true, force: true });
  });
  try {
    const early = join(tmp, 'early.cfg');
    writeFileSync(early, plan.earlyConfig);
    const image = join(tmp, 'BOOTX64.EFI');
    await runner.run(
      'grub-mkimage',
      ['-O', 'x86_64-efi', '-o', image, '-c', early, '-p', `${plan.bootPrefix}/grub`, ...plan.efiModules],
      {
        code: 'E_BOOT_GRUB',
        hint: 'is grub-efi-amd64-bin installed?',
      },
    );
    // Modules for insmod at run time, next to grub.cfg.
    const modDir = join(GRUB_LIB, 'x86_64-efi');
    const modules = readdirSync(modDir).filter((n) => /\.(mod|lst)$/.test(n));
    await writeGuestFiles(
      disk.target,
      modules.map((f): GuestFile => ({
        kind: 'file',
        path: `/boot/grub/x86_64-efi/${f}`,
        content: readFileSync(join(modDir, f)),
        mode: 0o644,
      })),
    );
    const env = { MTOOLS_SKIP_CHECK: '1' };
    for (const d of ['::/EFI', '::/EFI/BOOT']) {
      const r = await runner.run('mmd', ['-i', esp.device, d], { env, reject: false });
      if (r.exitCode !== 0 && !/exists/i.test(r.stderr))
        throw new OsError('E_BOOT_ESP', `mmd ${d} on ${esp.device} failed: ${r.stderr.trim()}`);
    }
    await runner.run('mcopy', ['-i', esp.device, '-o', '-D', 'o', image, '::/EFI/BOOT/BOOTX64.EFI'], {
      env,
      code: 'E_BOOT_ESP',
    });
  } finally {
    await h.release();
  }
}
