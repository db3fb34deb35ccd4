/**
 * LUKS2 encryption of the root partition (prepareDisk's optional step between partitioning and
 * mkfs). The plan is pure: the argument vectors of `cryptsetup luksFormat`, `luksUUID`, `open`
 * and `close`, none of which carries the passphrase. The executor hands the passphrase to
 * cryptsetup on stdin only (`--key-file -`), never in argv, the environment or a message; it
 * journals the mapping before opening it and closes it on the cleanup stack (after the root is
 * unmounted: LIFO), so a killed run's mapping is closed by the next run's recovery.
 *
 * Keyslots use PBKDF2 (`--pbkdf pbkdf2`): GRUB, which reads the kernel from the encrypted root,
 * opens LUKS2 only with PBKDF2, not with cryptsetup's default Argon2id.
 *
 * cryptsetup open needs device-mapper (dm_mod, dm_crypt); where it is missing, the run ends with
 * one E_DISK_CRYPT line and everything acquired is undone.
 */
import { existsSync } from 'node:fs';
import type { Runner } from '../process/types.js';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { DiskContext } from './context.js';

/**
 * What to encrypt the root with. The passphrase is a function, so that the layout holding it can
 * be printed or serialised without it (JSON drops functions; inspect shows none of its text).
 */
export interface RootEncryption {
  /** The device-mapper name of the opened root (`/dev/mapper/<name>`), also the guest's. */
  name: string;
  passphrase: () => string;
  /** Give the container this LUKS UUID (default: a new one). */
  uuid?: string;
}

/** The encrypted root as prepareDisk leaves it: open at `/dev/mapper/<name>`. */
export interface EncryptedRoot {
  /** The LUKS container's UUID (what a guest's crypttab or mapped-devices names). */
  uuid: string;
  name: string;
  /** The partition holding the container. */
  partition: string;
  /** The opened mapping, where the filesystem is made. */
  device: string;
}

/**
 * A device-mapper name: letters, digits and `_`, starting with a letter, at most 64 characters.
 * No `-`: device-mapper doubles it in LVM names (VG `a-b` + LV `root` is `a--b-root`), and one
 * rule that never needs escaping keeps the guest's name the same as the node's.
 */
const DM_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const LUKS_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isMapperName(name: string): boolean {
  return DM_NAME.test(name);
}

export interface LuksPlan {
  /** `cryptsetup` arguments, in order; the passphrase goes to the stdin of format and open. */
  format: string[];
  uuid: string[];
  open: string[];
  close: string[];
  /** The mapped device. */
  device: string;
}

/** The cryptsetup argument vectors for `partition` (pure; throws on a name or UUID it cannot use). */
export function planLuks(partition: string, enc: Pick<RootEncryption, 'name' | 'uuid'>): LuksPlan {
  if (!isMapperName(enc.name)) {
    throw new OsError('E_DISK_CRYPT', `${JSON.stringify(enc.name)} cannot name an encrypted root`, {
      hint: 'a device-mapper name of letters, digits and _ (starting with a letter, at most 64)',
    });
  }
  if (enc.uuid !== undefined && !LUKS_UUID.test(enc.uuid)) {
    throw new OsError('E_DISK_CRYPT', `${JSON.stringify(enc.uuid)} is not a LUKS UUID`, {
      hint: 'give a UUID such as 0b2e3c1d-1111-4222-8333-444455556666',
    });
  }
  if (!partition.startsWith('/dev/')) {
    throw new OsError('E_DISK_CRYPT', `${JSON.stringify(partition)} is not a device node`, {
      hint: 'this is a bug in the disk layer',
    });
  }
  return {
    format: [
      'luksFormat',
      '--type',
      'luks2',
      '--pbkdf',
      'pbkdf2',
      '--batch-mode',
      '--key-file',
      '-',
      ...(enc.uuid ? ['--uuid', enc.uuid.toLowerCase()] : []),
      partition,
    ],
    uuid: ['luksUUID', partition],
    open: ['open', '--type', 'luks2', '--key-file', '-', partition, enc.name],
    close: ['close', enc.name],
    device: `/dev/mapper/${enc.name}`,
  };
}

const NO_DM_HINT =
  'opening an encrypted root needs device-mapper with dm-crypt (modprobe dm_crypt) and cryptsetup; without them, unset luks_passphrase';

/** Close the mapping `name` (undo and recovery). */
export async function closeLuks(runner: Runner, name: string): Promise<void> {
  await runner.run('udevadm', ['settle', '--timeout=10'], { reject: false });
  await runner.run('cryptsetup', ['close', name], {
    code: 'E_DISK_CRYPT',
    hint: `close it with cryptsetup close ${name} (dmsetup ls shows it)`,
  });
}

/**
 * Format `partition` as LUKS2 with the passphrase (on stdin), journal the mapping, push its close,
 * then open it. Returns the opened root.
 */
export async function encryptPartition(
  ctx: DiskContext,
  partition: string,
  enc: RootEncryption,
): Promise<EncryptedRoot> {
  const plan = planLuks(partition, enc);
  const key = enc.passphrase();
  if (key.length === 0) {
    throw new OsError('E_DISK_CRYPT', 'the passphrase of the encrypted root is empty', {
      hint: 'give a non-empty passphrase, or none to leave the root unencrypted',
    });
  }
  if (existsSync(plan.device)) {
    throw new OsError('E_DISK_CRYPT', `${plan.device} already exists`, {
      hint: `another encrypted root is open under that name; close it (cryptsetup close ${enc.name}) if it is a leftover`,
    });
  }
  ctx.log.info(`disk: encrypting the root partition ${partition} (LUKS2)`);
  await ctx.runner.run('cryptsetup', plan.format, {
    input: key,
    code: 'E_DISK_CRYPT',
    hint: 'cryptsetup could not write the LUKS2 header; is cryptsetup installed?',
  });
  const uuid = (await ctx.runner.run('cryptsetup', plan.uuid, { code: 'E_DISK_CRYPT' })).stdout.trim();
  if (!LUKS_UUID.test(uuid)) {
    throw new OsError('E_DISK_CRYPT', `cryptsetup luksUUID ${partition} printed no UUID`, {
      hint: 'check the container with cryptsetup luksDump',
    });
  }
  const entry = { kind: 'crypt' as const, name: enc.name, device: partition };
  let opened = false;
  ctx.journal?.add(entry);
  ctx.stack.push(`cryptsetup close ${enc.name}`, async () => {
    await ctx.settle?.(); // an open interrupted by a signal may still complete
    if (opened || existsSync(plan.device)) await closeLuks(ctx.cleanupRunner, enc.name);
    ctx.journal?.remove(entry);
  });
  await ctx.runner.run('cryptsetup', plan.open, { input: key, code: 'E_DISK_CRYPT', hint: NO_DM_HINT });
  opened = true;
  return { uuid: uuid.toLowerCase(), name: enc.name, partition, device: plan.device };
}

/** Recovery: close the journaled mappings of a killed run still open (newest first). */
export async function recoverLuks(
  runner: Runner,
  log: Logger,
  entries: readonly { kind: string; name?: string }[],
): Promise<string[]> {
  const done: string[] = [];
  for (const e of [...entries].reverse()) {
    if (e.kind !== 'crypt' || !e.name || !isMapperName(e.name)) continue;
    if (!existsSync(`/dev/mapper/${e.name}`)) continue;
    await closeLuks(runner, e.name).catch((err: unknown) =>
      log.warn(`cryptsetup close ${e.name}: ${String(err)}`),
    );
    done.push(`closed the encrypted root ${e.name}`);
  }
  return done;
}
