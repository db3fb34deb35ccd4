/**
 * The EFI system partition without mounting it (vfat cannot be mounted everywhere the provider
 * runs): guix installs its EFI GRUB into the root filesystem's /boot/efi directory (the mount
 * point the guest's ESP covers at boot), and these executors copy that directory's files into the
 * ESP with mtools. The files stay in the root filesystem too, so an export carries them and an
 * import copies them into the new ESP again, made with the exported ESP's volume ID (the guest's
 * file systems name it).
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { OsError, type Runner } from 'ganeti-os/sdk';

const MTOOLS_ENV = { MTOOLS_SKIP_CHECK: '1' };
const VOLUME_ID = /^[0-9A-F]{4}-[0-9A-F]{4}$/;

/** Copy the files below `dir` (the guest's /boot/efi) into the ESP's root; returns how many top entries. */
export async function copyIntoEsp(runner: Runner, esp: string, dir: string): Promise<number> {
  const st = lstatSync(dir, { throwIfNoEntry: false });
  if (!st?.isDirectory()) return 0;
  // Regular files and directories only: a symlink in the guest's tree is never followed by mcopy.
  const entries = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() || e.isFile())
    .map((e) => join(dir, e.name));
  if (entries.length === 0) return 0;
  await runner.run('mcopy', ['-s', '-o', '-D', 'o', '-i', esp, ...entries, '::/'], {
    env: MTOOLS_ENV,
    code: 'E_BOOT_ESP',
    hint: 'mcopy (mtools) could not write the EFI system partition; is mtools installed?',
  });
  return entries.length;
}

/** mkfs.vfat option value for a volume ID such as "ABCD-1234"; undefined for anything else. */
export function volumeIdArg(id: string | undefined): string | undefined {
  return id !== undefined && VOLUME_ID.test(id) ? id.replace('-', '') : undefined;
}

/** Make the ESP again with the given volume ID ("ABCD-1234"). */
export async function remakeEsp(runner: Runner, esp: string, id: string): Promise<void> {
  const arg = volumeIdArg(id);
  if (!arg)
    throw new OsError('E_BOOT_ESP', `ESP volume ID ${JSON.stringify(id)} is not of the form ABCD-1234`);
  await runner.run('mkfs.vfat', ['-n', 'EFI', '-i', arg, esp], {
    code: 'E_BOOT_ESP',
    hint: 'mkfs.vfat (dosfstools) could not make the EFI system partition',
  });
}
