/**
 * The boot planner (pure): from the partition plan, the formatted partitions and the file names in
 * the guest's /boot, decide which firmware to support, which kernel to boot, and the text of
 * /etc/default/grub, /boot/grub/grub.cfg and the EFI early config.
 */
import { OsError } from '../runtime/errors.js';
import type { FormattedPartition } from '../disk/fstab.js';
import type { PartitionPlan } from '../disk/layout.js';
import type { GuestFile } from '../guest/types.js';
import {
  EFI_MODULES,
  grubFsModule,
  kernelCommandLine,
  pickKernel,
  renderDefaultGrub,
  renderEarlyConfig,
  renderGrubCfg,
  type KernelPick,
  type SerialConsole,
} from './grub-config.js';

export interface BootOptions {
  /** Serial console settings, or undefined for none (INSTANCE_HV_serial_console=False). */
  serialConsole?: SerialConsole | undefined;
  /** Extra kernel command line arguments. */
  cmdline?: readonly string[];
  timeoutSec?: number;
  /** Restrict firmware (default: everything the layout supports). */
  firmware?: readonly ('bios' | 'uefi')[];
}

export interface BootPlan {
  firmware: ('bios' | 'uefi')[];
  kernel: KernelPick;
  cmdline: string;
  bootPrefix: '' | '/boot';
  files: GuestFile[];
  earlyConfig: string;
  biosModules: string[];
  efiModules: string[];
}

/** The modules GRUB's BIOS core image needs to find /boot: partition table, filesystem, search by UUID (pure). */
export function biosCoreModules(plan: PartitionPlan, parts: readonly FormattedPartition[]): string[] {
  const bootPart = parts.find((p) => p.role === 'boot') ?? parts.find((p) => p.role === 'root');
  return [
    plan.style === 'gpt' ? 'part_gpt' : 'part_msdos',
    grubFsModule(bootPart?.fstype ?? 'ext4'),
    'search_fs_uuid',
  ];
}

export function planBoot(
  plan: PartitionPlan,
  parts: readonly FormattedPartition[],
  bootFiles: readonly string[],
  o: BootOptions = {},
): BootPlan {
  const kernel = pickKernel(bootFiles);
  if (!kernel)
    throw new OsError('E_BOOT_KERNEL', 'no kernel (vmlinuz-*) found in the guest /boot', {
      hint: 'install a kernel package in the guest',
    });
  const root = parts.find((p) => p.role === 'root');
  if (!root?.uuid)
    throw new OsError('E_BOOT_ROOT', 'the root partition has no UUID', {
      hint: 'was the disk prepared with prepareDisk?',
    });
  const bootPart = parts.find((p) => p.role === 'boot') ?? root;
  const bootPrefix = bootPart === root ? '/boot' : '';
  const wanted = o.firmware ?? ['bios', 'uefi'];
  const firmware = (['bios', 'uefi'] as const).filter((f) => plan.firmware[f] && wanted.includes(f));
  const cmdline = kernelCommandLine({ rootUuid: root.uuid, serial: o.serialConsole, extra: o.cmdline ?? [] });
  const fsModule = grubFsModule(bootPart.fstype);
  const grubCfg = renderGrubCfg({
    bootUuid: bootPart.uuid!,
    bootPrefix,
    bootFsModule: fsModule,
    kernel,
    cmdline,
    serial: o.serialConsole,
    ...(o.timeoutSec !== undefined ? { timeoutSec: o.timeoutSec } : {}),
  });
  const files: GuestFile[] = [
    {
      kind: 'file',
      path: '/etc/default/grub',
      content: renderDefaultGrub({
        serial: o.serialConsole,
        extra: o.cmdline ?? [],
        ...(o.timeoutSec !== undefined ? { timeoutSec: o.timeoutSec } : {}),
      }),
      mode: 0o644,
    },
    { kind: 'file', path: '/boot/grub/grub.cfg', content: grubCfg, mode: 0o644 },
  ];
  return {
    firmware,
    kernel,
    cmdline,
    bootPrefix,
    files,
    earlyConfig: renderEarlyConfig(bootPart.uuid!, bootPrefix),
    biosModules: biosCoreModules(plan, parts),
    efiModules: [...EFI_MODULES],
  };
}
