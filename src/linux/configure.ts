/**
 * The pass after the root holds its files, the same for every Linux provider: hooks of each phase,
 * the guest's own files and identity (as its family and policy ask), commands in the guest, the
 * bootloader. Commands in the guest wait for a BIOS grub-install started earlier, and so does every
 * way out of here.
 */
import { bootConsole } from '../boot/console.js';
import { installBootloader, type BootDisk } from '../boot/install.js';
import type { Chroot, FstabEntry, PreparedDisk } from '../disk/index.js';
import { enterChroot } from '../guest/chroot.js';
import { consoleDevice } from '../guest/console.js';
import { writeResolvConf } from '../guest/network/resolv.js';
import { runsStep, type GuestPolicy } from '../guest/family.js';
import {
  detectGuest,
  generateSshHostKeys,
  newMachineId,
  planGuestConfig,
  restoreHostKeys,
  writeGuestFiles,
  type SavedKey,
  type SshHostKeyPair,
} from '../guest/index.js';
import type { RootPassword } from '../guest/index.js';
import type { Runner } from '../process/types.js';
import type { CleanupStack } from '../runtime/cleanup.js';
import type { Logger } from '../runtime/logger.js';
import type { CreateContext } from '../sdk/types.js';
import { hookRunner } from './hooks.js';
import type { BootPolicy, LinuxConfig } from './installer.js';

/** The mounted guest as the shared pass sees it, however disk 0 was written. */
export interface GuestDisk {
  /** The mounted guest root. */
  target: string;
  /** The whole disk (a loop device for a file disk). */
  device: string;
  rootDevice?: string;
  /** The guest's fstab entries; none: the guest's own fstab is kept. */
  fstab: readonly FstabEntry[];
}

export function guestDiskOf(p: PreparedDisk): GuestDisk {
  const root = p.partitions.find((x) => x.role === 'root');
  return { target: p.target, device: p.device, ...(root ? { rootDevice: root.device } : {}), fstab: p.fstab };
}

export interface Populated {
  os: string;
  cfg: LinuxConfig;
  policy: GuestPolicy;
  boot: BootPolicy;
  hookVars: Record<string, string>;
  disk: GuestDisk;
  /** The disk as prepareDisk made it: the shared GRUB step needs its layout (`boot: 'grub'`). */
  prepared?: PreparedDisk;
  hashedPassword: string | undefined;
  savedKeys: readonly SavedKey[];
  hostKeys: Promise<SshHostKeyPair[] | undefined>;
  /** A BIOS grub-install already running (startBiosGrub). */
  grubStarted?: Promise<void>;
}

export function bootDiskOf(p: PreparedDisk): BootDisk {
  return {
    device: p.device,
    target: p.target,
    plan: p.plan,
    partitions: p.partitions,
    mapper: p.mapper,
    runtimeDir: p.runtimeDir,
  };
}

/** The shared GRUB step, its console following the serial device (or none). */
export async function installGrub(
  run: { runner: Runner; log: Logger; stack: CleanupStack },
  prepared: PreparedDisk,
  serial: string | undefined,
  biosStarted?: Promise<void>,
): Promise<void> {
  const con = bootConsole(serial);
  await installBootloader({
    disk: bootDiskOf(prepared),
    ...run,
    ...(con.serial ? { serialConsole: con.serial } : {}),
    cmdline: con.cmdline,
    ...(biosStarted ? { biosStarted } : {}),
  });
}

/**
 * `keep` (an image's own root password; a value of the image provider's schema, not of the shared
 * GUEST_KEYS) without a password parameter: /etc/shadow is left alone.
 */
function keepsRootPassword(
  setting: LinuxConfig['settings']['guest']['rootPassword'],
  hashed: string | undefined,
): boolean {
  return (setting as string) === 'keep' && hashed === undefined;
}

function rootPassword(
  setting: LinuxConfig['settings']['guest']['rootPassword'],
  hashed: string | undefined,
): RootPassword {
  if (hashed !== undefined) return { mode: 'hash', hash: hashed };
  if (setting === 'empty') return { mode: 'hash', hash: '' };
  return { mode: 'locked' };
}

export async function configureGuest(ctx: CreateContext<unknown>, o: Populated): Promise<void> {
  const { instance, log, runner, cleanup: stack } = ctx;
  const { disk, policy, cfg } = o;
  const g = cfg.settings.guest;
  const family = policy.family;
  // /proc, /sys, /dev (and policy-rc.d for families that want it) only when something runs there.
  let chroot: Promise<Chroot> | undefined;
  const inGuest = async (): Promise<Chroot> => {
    await o.grubStarted;
    return (chroot ??= enterChroot({
      target: disk.target,
      runner,
      cleanupRunner: ctx.cleanupRunner,
      stack,
      log,
      env: family.chroot.env,
      policyRcD: family.chroot.policyRcD,
    }));
  };
  const runPhase = await hookRunner({
    os: o.os,
    env: ctx.env,
    paths: ctx.paths,
    cfg,
    extra: o.hookVars,
    disk: {
      target: disk.target,
      device: disk.device,
      ...(disk.rootDevice ? { rootDevice: disk.rootDevice } : {}),
    },
    log,
    stack,
    signal: ctx.signal,
    beforeHooks: inGuest,
  });
  await runPhase('post-populate');

  const facts = await detectGuest(disk.target, family);
  const serial = consoleDevice(cfg.settings.boot.serialConsole, instance);
  const entries = planGuestConfig({
    info: instance,
    facts: g.network === 'ifupdown' || g.network === 'networkd' ? { ...facts, network: g.network } : facts,
    machineId: newMachineId(),
    ...(disk.fstab.length > 0 ? { fstab: disk.fstab } : {}),
    familyEntries: family.plan?.() ?? [],
    ...(policy.skip ? { skip: policy.skip } : {}),
    serialConsole: serial ?? false,
    rootPassword: rootPassword(g.rootPassword, o.hashedPassword),
    authorizedKeys: g.sshAuthorizedKeys,
    locale: g.locale,
    timezone: g.timezone,
    hostnameStyle: g.hostnameFqdn ? 'fqdn' : 'short',
    network: g.network !== 'none',
  });
  await writeGuestFiles(
    disk.target,
    keepsRootPassword(g.rootPassword, o.hashedPassword)
      ? entries.filter((e) => e.path !== '/etc/shadow')
      : entries,
  );
  if (g.network !== 'none' && runsStep(policy, 'network'))
    await writeResolvConf(disk.target, instance.nics, log);
  if (facts.sshd && runsStep(policy, 'ssh-host-keys')) {
    const keys = await o.hostKeys;
    await generateSshHostKeys({
      runner,
      target: disk.target,
      name: instance.name,
      ...(keys ? { keys } : {}),
    });
    if (o.savedKeys.length > 0) await restoreHostKeys(disk.target, o.savedKeys, log);
  }
  if (runsStep(policy, 'locale')) {
    for (const c of family.commands?.({ locale: g.locale }) ?? [])
      await (await inGuest()).run(c.argv, { code: c.code, hint: c.hint });
  }
  await runPhase('post-config');

  if (o.boot === 'grub' && o.prepared)
    await installGrub({ runner, log, stack }, o.prepared, serial, o.grubStarted);
  await o.grubStarted;
  await runPhase('pre-unmount');
  if (chroot) await (await chroot).release();
}
