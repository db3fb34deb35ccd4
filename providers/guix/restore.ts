/**
 * After import restored a guix guest's files (with the exported root UUID and label, which the
 * installed system names): what the file stream cannot carry. The btrfs subvolumes come back as
 * subvolumes; the ESP is made again with the exported ESP's volume ID (read from the guest's
 * instance data) and gets the EFI files of /boot/efi; GRUB's BIOS core image is written with the
 * node's grub-install into the BIOS boot partition, its prefix the restored /boot/grub, whose
 * grub.cfg (guix's own) is used unchanged; and the instance data follows the importing
 * instance (its NICs), written with the ganeti-os library that reads it. Nothing is rebuilt: import needs no guix and no network.
 */
import { readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { OsError, type InstanceInfo } from 'ganeti-os/sdk';
import {
  readGuestFile,
  startBiosGrub,
  writeGuestFiles,
  type PopulateInput,
  type PreparedDisk,
} from 'ganeti-os/sdk/linux';
import { copyIntoEsp, remakeEsp, volumeIdArg } from './esp.js';
import { INSTANCE_DATA_GUEST_PATH, instanceFacts, renderInstanceData } from './instance-data.js';
import { SUBVOLUMES } from './plan.js';
import type { GuixVariant } from './schema.js';
import { diskFacts, dropTopLevelMountPoints, guestRootOf, hasSubvolumeLayout, type Layout } from './tree.js';
import { guestDataEntries } from './install.js';

/** A string `(define <name> "...")` of a generated instance-data file (untrusted: the caller checks it). */
export function definedString(text: string, name: string): string | undefined {
  const m = new RegExp(`^\\(define ${name} "([^"\\\\\\n]*)"\\)$`, 'm').exec(text);
  return m?.[1];
}

/** A btrfs subvolume's root directory has inode 256. */
function isSubvolume(path: string): boolean {
  return statSync(path).ino === 256;
}

/** The restored `@` and `@home` directories become subvolumes again (reflinked copies, then swapped). */
async function restoreSubvolumes(run: Pick<PopulateInput, 'runner'>, top: string): Promise<void> {
  for (const name of [SUBVOLUMES.root, SUBVOLUMES.home]) {
    const dir = join(top, name);
    const st = statSync(dir, { throwIfNoEntry: false });
    if (st && isSubvolume(dir)) continue;
    const old = join(top, `${name}.restored`);
    if (st) renameSync(dir, old);
    await run.runner.run('btrfs', ['subvolume', 'create', dir], { code: 'E_IMPORT_TREE' });
    if (!st) continue;
    await run.runner.run('cp', ['-a', '--reflink=auto', '--', `${old}/.`, `${dir}/`], {
      code: 'E_IMPORT_TREE',
      hint: `could not move the restored ${name} into its subvolume`,
    });
    rmSync(old, { recursive: true, force: true });
  }
}

/**
 * The restored disk 0 holds a guix system this import can boot: its instance data is there, and
 * its root was not encrypted. A guix system's boot files name its root (a LUKS container or not)
 * and import rebuilds nothing, so import never encrypts: an encrypted instance's export is its
 * encrypted bytes (a raw stream), which import writes back unchanged, passphrase and all, without
 * reaching this check.
 */
export async function verifyGuixTree(target: string, encrypting: boolean): Promise<void> {
  const root = guestRootOf(target, hasSubvolumeLayout(target) ? 'btrfs-subvolumes' : 'plain');
  const data = await readGuestFile(root, INSTANCE_DATA_GUEST_PATH);
  if (data === undefined) {
    throw new OsError(
      'E_IMPORT_TREE',
      `the imported disk 0 holds no guix system (${INSTANCE_DATA_GUEST_PATH} missing)`,
      { hint: 'import an export of a guix instance' },
    );
  }
  if (encrypting) {
    throw new OsError(
      'E_UNSUPPORTED',
      'luks_passphrase is set, but import does not encrypt the files of a guix system (its boot files name an unencrypted root)',
      {
        hint: 'import without luks_passphrase, then reinstall with it to encrypt; an encrypted instance exports its encrypted bytes, which import restores as they are',
      },
    );
  }
  if (definedString(data, 'ganeti-luks-uuid') !== undefined) {
    throw new OsError(
      'E_UNSUPPORTED',
      'the stream holds the files of a guix system installed on an encrypted root, whose boot files need that LUKS container',
      { hint: "import the encrypted instance's own export (its encrypted bytes), or reinstall" },
    );
  }
}

export interface RestoreInput {
  variant: GuixVariant;
  instance: InstanceInfo;
  nameservers: readonly string[];
  /** The ganeti-os library (written into the guest with the instance data). */
  libraryFile: string;
}

export async function restoreGuix(o: RestoreInput, disk: PreparedDisk, run: PopulateInput): Promise<void> {
  const top = disk.target;
  const layout: Layout = hasSubvolumeLayout(top) ? 'btrfs-subvolumes' : 'plain';
  if (layout === 'btrfs-subvolumes') {
    dropTopLevelMountPoints(top);
    await restoreSubvolumes(run, top);
  }
  const root = guestRootOf(top, layout);
  const old = (await readGuestFile(root, INSTANCE_DATA_GUEST_PATH)) ?? '';
  const firmware = definedString(old, 'ganeti-firmware') === 'uefi' ? 'uefi' : o.variant.firmware;
  const esp = disk.partitions.find((p) => p.role === 'esp');
  let espUuid = esp?.uuid;
  const oldEsp = definedString(old, 'ganeti-esp-uuid');
  if (esp && volumeIdArg(oldEsp)) {
    await remakeEsp(run.runner, esp.device, oldEsp!);
    espUuid = oldEsp;
  }
  if (esp) await copyIntoEsp(run.runner, esp.device, join(root, 'boot/efi'));
  const facts = diskFacts(
    disk.partitions.map((p) => ({
      fstype: p.fstype,
      uuid: p.role === 'esp' ? espUuid : p.uuid,
      root: p.role === 'root',
    })),
    layout,
  );
  const data = renderInstanceData(
    instanceFacts({
      instance: o.instance,
      disk: facts,
      firmware,
      serialConsole: o.variant.serialConsole,
      timezone: definedString(old, 'ganeti-timezone') ?? o.variant.timezone,
      sshAuthorizedKeys: o.variant.sshAuthorizedKeys,
      nameservers: o.nameservers,
    }),
  );
  const library = readFileSync(o.libraryFile, 'utf8');
  await writeGuestFiles(root, guestDataEntries({ instanceData: data, library, name: o.instance.name }));
  // The disk has a BIOS boot partition whatever the firmware: BIOS boots it too.
  const grub = startBiosGrub(
    {
      device: disk.device,
      target: root,
      plan: disk.plan,
      partitions: disk.partitions,
      mapper: disk.mapper,
      runtimeDir: disk.runtimeDir,
    },
    run.runner,
  );
  await grub;
  run.log.info(
    `imported guix guest: GRUB core written for BIOS${esp ? ', ESP files copied' : ''} (grub.cfg kept)`,
  );
}
