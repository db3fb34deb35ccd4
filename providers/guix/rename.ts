/**
 * rename: the guest carries its new name from its next boot on. The guest's
 * /etc/ganeti-os/instance-data.scm is written again for the renamed instance (its facts read from
 * disk 0: the same filesystems, the firmware it was installed for), with the ganeti-os library
 * that reads it (/etc/ganeti-os/ganeti-os.scm), and /etc/ganeti-os/hostname names it; the shipped variants set the host name from that file at boot, and the next
 * `guix system reconfigure /etc/ganeti-os/config.scm` in the guest bakes it into the system.
 * Every write goes through the guest path helpers (no guest symlink is followed out of the disk).
 * An encrypted root (luks_passphrase) is not opened: rename ends with one line saying what to do in
 * the guest.
 */
import { readFileSync } from 'node:fs';
import { isOsError, OsError, type RenameContext } from 'ganeti-os/sdk';
import { diskZero, openDisk, readGuestFile, writeGuestFiles } from 'ganeti-os/sdk/linux';
import { guestDataEntries } from './install.js';
import { INSTANCE_DATA_GUEST_PATH, instanceFacts, renderInstanceData } from './instance-data.js';
import { definedString } from './restore.js';
import type { GuixVariant } from './schema.js';
import { diskFacts, guestRootOf, hasSubvolumeLayout } from './tree.js';

export interface RenameInput {
  variant: GuixVariant;
  /** The dns-nameservers parameter. */
  nameservers: readonly string[];
  /** The ganeti-os library (written into the guest with the instance data). */
  libraryFile: string;
  /** luks_passphrase is set: the root is not opened (its passphrase is the guest's). */
  encrypted?: boolean;
}

export async function renameGuix(ctx: RenameContext<unknown>, o: RenameInput): Promise<void> {
  const { variant, nameservers, encrypted = false } = o;
  const { oldName, instance, log, runner, cleanup: stack } = ctx;
  const opened = await openDisk({
    ...diskZero(ctx),
    runner,
    cleanupRunner: ctx.cleanupRunner,
    log,
    stack,
  }).catch((e: unknown) => {
    // An encrypted root is not opened by rename (its passphrase is the guest's to use).
    if (encrypted && isOsError(e) && e.code === 'E_DISK_NO_ROOT') {
      throw new OsError(
        'E_UNSUPPORTED',
        `the root of ${instance.name} is encrypted: rename cannot write its new name into the guest`,
        {
          hint: `in the guest, write ${instance.name.split('.')[0]} to /etc/ganeti-os/hostname (read at boot) and run guix system reconfigure /etc/ganeti-os/config.scm`,
        },
      );
    }
    throw e;
  });
  const layout = hasSubvolumeLayout(opened.target) ? 'btrfs-subvolumes' : 'plain';
  const root = guestRootOf(opened.target, layout);
  const old = (await readGuestFile(root, INSTANCE_DATA_GUEST_PATH)) ?? '';
  const facts = diskFacts(
    opened.partitions.map((p) => ({
      fstype: p.fstype,
      uuid: p.uuid,
      label: p.label,
      root: p.number === opened.root.number,
    })),
    layout,
  );
  const data = renderInstanceData(
    instanceFacts({
      instance,
      disk: facts,
      firmware: definedString(old, 'ganeti-firmware') === 'uefi' ? 'uefi' : variant.firmware,
      serialConsole: variant.serialConsole,
      timezone: definedString(old, 'ganeti-timezone') ?? variant.timezone,
      sshAuthorizedKeys: variant.sshAuthorizedKeys,
      nameservers,
    }),
  );
  const library = readFileSync(o.libraryFile, 'utf8');
  await writeGuestFiles(root, guestDataEntries({ instanceData: data, library, name: instance.name }));
  log.info(
    oldName === instance.name
      ? `rename: ${instance.name} unchanged`
      : `renamed ${oldName} to ${instance.name} (${INSTANCE_DATA_GUEST_PATH}, /etc/ganeti-os/hostname)`,
  );
}
