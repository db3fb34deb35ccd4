/**
 * The instance's facts as a Scheme file that Guix configurations load (pure). Nothing here reads
 * the node's files or the environment: the facts come from Ganeti's instance (names, every NIC),
 * the disk the installer prepared (UUIDs, filesystem types, layout), the variant and the OS
 * parameters (time zone, ssh keys, name servers). Every value is written with `schemeLiteral`, so a
 * hostile value (quotes, parentheses, newlines, `#.(...)`) stays a string.
 *
 * A configuration finds the file with
 *   (load (or (getenv "GANETI_OS_INSTANCE_DATA") "/etc/ganeti-os/instance-data.scm"))
 * so the same configuration evaluates on the node at install time (the installer points the
 * variable at a file whose bootloader targets name the node's device) and later inside the guest,
 * where `guix system reconfigure /etc/ganeti-os/config.scm` reads the guest's copy.
 *
 * Rename: the installer rewrites /etc/ganeti-os/instance-data.scm and /etc/ganeti-os/hostname in
 * the guest. The shipped variants run a one-shot Shepherd service at boot that sets the host name
 * from /etc/ganeti-os/hostname when the file is there, so the guest carries its new name from the
 * next boot on; the next `guix system reconfigure` bakes it into the system as well.
 */
import { isIP } from 'node:net';
import { OsError, SSH_KEY_PATTERN, type InstanceInfo } from 'ganeti-os/sdk';
import { consoleDevice, guestNames, planNics, type NicPlan } from 'ganeti-os/sdk/linux';
import { schemeLiteral, type SchemeValue } from './scheme.js';

export const INSTANCE_DATA_GUEST_PATH = '/etc/ganeti-os/instance-data.scm';
export const CONFIG_GUEST_PATH = '/etc/ganeti-os/config.scm';
/** The guest's short host name, read at boot by the shipped variants' ganeti-host-name service. */
export const HOSTNAME_GUEST_PATH = '/etc/ganeti-os/hostname';
/** The environment variable that points a configuration at another instance-data file. */
export const INSTANCE_DATA_ENV = 'GANETI_OS_INSTANCE_DATA';
/** The ganeti-os library (variants/guix/lib/ganeti-os.scm) in the guest, next to the instance data. */
export const LIBRARY_GUEST_PATH = '/etc/ganeti-os/ganeti-os.scm';
/** The environment variable that points a configuration at another copy of the library. */
export const LIBRARY_ENV = 'GANETI_OS_LIBRARY';

export interface GuixNic {
  /** eth0, eth1, ... in Ganeti's NIC order (the variants boot with net.ifnames=0). */
  name: string;
  mac: string;
  ipv4?: { address: string; prefix: number; gateway?: string };
  ipv6?: { address: string; prefix: number; gateway?: string };
  /** IPv4 by DHCP (the NIC has no address); IPv6 follows router advertisements unless static. */
  dhcp: boolean;
}

export type GuixRootType = 'ext4' | 'btrfs' | 'xfs';

export interface GuixInstanceFacts {
  /** The short host name: the first label of Ganeti's instance name. */
  hostName: string;
  /** The instance name when it is qualified, else the short name. */
  fqdn: string;
  nics: GuixNic[];
  nameservers: string[];
  root: { uuid: string; type: GuixRootType; label?: string };
  layout: 'plain' | 'btrfs-subvolumes';
  /** The btrfs subvolumes for / and /home, e.g. { root: '@', home: '@home' } (btrfs-subvolumes). */
  subvolumes?: { root: string; home: string };
  /** A separate /home filesystem, when the variant has one. */
  home?: { uuid: string; type: string };
  swap?: { uuid: string };
  /** The EFI system partition (a vfat UUID such as "ABCD-1234"). */
  esp?: { uuid: string };
  /** bios: the disk device(s) GRUB goes to; uefi: ["/boot/efi"]. */
  bootloader: { firmware: 'bios' | 'uefi'; targets: string[] };
  serialConsole: { device: string; speed: number } | null;
  timezone: string;
  sshAuthorizedKeys: string[];
  /** Only when the root is encrypted: the LUKS container's UUID and its mapped name. */
  luks?: { uuid: string; name: string };
}

/** What the installer knows about disk 0 once it is formatted. */
export interface GuixDiskFacts {
  root: GuixInstanceFacts['root'];
  layout: GuixInstanceFacts['layout'];
  subvolumes?: GuixInstanceFacts['subvolumes'];
  home?: GuixInstanceFacts['home'];
  swap?: GuixInstanceFacts['swap'];
  esp?: GuixInstanceFacts['esp'];
  luks?: GuixInstanceFacts['luks'];
}

export interface InstanceFactsInput {
  instance: InstanceInfo;
  disk: GuixDiskFacts;
  firmware: 'bios' | 'uefi';
  /**
   * Where GRUB is installed. Default: bios, the guest's own disk device (guestDiskDevice); uefi,
   * "/boot/efi". The install-time file passes the node's device here, the guest's file does not.
   */
  bootloaderTargets?: readonly string[];
  /** The variant's serial-console setting; auto follows the hypervisor (default). */
  serialConsole?: 'auto' | 'on' | 'off';
  /** Default 115200. */
  serialSpeed?: number;
  /** A tz database name; default Etc/UTC (never the node's own). */
  timezone?: string;
  /** Public keys for root, one per entry (an entry of several lines is split). */
  sshAuthorizedKeys?: readonly string[];
  nameservers?: readonly string[];
  /** The fully qualified name when Ganeti's name is short. */
  fqdn?: string;
}

const TIMEZONE = /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/;
const FS_UUID =
  /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4})$/;
const DEVICE = /^\/[A-Za-z0-9._/+:-]+$/;
const MAPPER_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const SUBVOLUME = /^[A-Za-z0-9@._+-]+(\/[A-Za-z0-9@._+-]+)*$/;

/**
 * The guest's disk 0 as its kernel names it, where BIOS GRUB goes: /dev/xvda on Xen, /dev/sda for
 * KVM's emulated SCSI, IDE and SATA disks, /dev/vda for virtio (KVM's paravirtual default).
 */
export function guestDiskDevice(instance: Pick<InstanceInfo, 'hypervisor' | 'hv'>): string {
  if (instance.hypervisor?.startsWith('xen')) return '/dev/xvda';
  const type = instance.hv['disk_type'] ?? 'paravirtual';
  return /^(scsi|ide|sata|mtd|pflash)/.test(type) ? '/dev/sda' : '/dev/vda';
}

function invalid(
  code: 'E_GUEST_TIMEZONE' | 'E_GUEST_SSH_KEY' | 'E_GUEST_NETWORK' | 'E_DISK_BLKID' | 'E_BOOT_GRUB',
  message: string,
  hint: string,
): OsError {
  return new OsError(code, message, { hint });
}

function checkUuid(uuid: string, what: string): string {
  if (!FS_UUID.test(uuid)) {
    throw invalid(
      'E_DISK_BLKID',
      `${what} UUID ${JSON.stringify(uuid)} is not a filesystem UUID`,
      'this is a bug in the installer: it reads UUIDs with blkid',
    );
  }
  return uuid.length === 9 ? uuid.toUpperCase() : uuid.toLowerCase();
}

function sshKeys(entries: readonly string[]): string[] {
  const keys = entries
    .flatMap((e) => e.split('\n'))
    .map((l) => l.trim())
    .filter((l) => l !== '');
  for (const k of keys) {
    if (!SSH_KEY_PATTERN.test(k)) {
      throw invalid(
        'E_GUEST_SSH_KEY',
        `ssh authorized key ${JSON.stringify(k.slice(0, 40))} is not a public key line`,
        'give keys as "type base64 [comment]", one per line',
      );
    }
  }
  return [...new Set(keys)];
}

function guixNic(plan: NicPlan, position: number): GuixNic {
  const nic: GuixNic = { name: `eth${position}`, mac: plan.mac, dhcp: plan.ipv4.mode === 'dhcp' };
  if (plan.ipv4.mode === 'static') {
    const { address, prefix, gateway } = plan.ipv4;
    nic.ipv4 = gateway ? { address, prefix, gateway } : { address, prefix };
  }
  if (plan.ipv6.mode === 'static') {
    const { address, prefix, gateway } = plan.ipv6;
    nic.ipv6 = gateway ? { address, prefix, gateway } : { address, prefix };
  }
  return nic;
}

/** The facts of one instance, checked; throws OsError on a value no guest could use. */
export function instanceFacts(input: InstanceFactsInput): GuixInstanceFacts {
  const { instance, disk } = input;
  const names = guestNames({ name: instance.name, ...(input.fqdn ? { fqdn: input.fqdn } : {}) });
  const plans = planNics(instance.nics);
  const nameservers = [...(input.nameservers ?? []), ...plans.flatMap((p) => p.dns?.servers ?? [])];
  for (const ns of nameservers) {
    if (isIP(ns) === 0) {
      throw invalid(
        'E_GUEST_NETWORK',
        `name server ${JSON.stringify(ns)} is not an IP address`,
        'give name servers as IPv4 or IPv6 addresses',
      );
    }
  }
  const timezone = input.timezone ?? 'Etc/UTC';
  if (!TIMEZONE.test(timezone) || timezone.split('/').includes('..')) {
    throw invalid(
      'E_GUEST_TIMEZONE',
      `time zone ${JSON.stringify(timezone)} is not a tz database name`,
      'give a name such as Europe/Berlin or Etc/UTC',
    );
  }
  const targets = [
    ...(input.bootloaderTargets ?? (input.firmware === 'uefi' ? ['/boot/efi'] : [guestDiskDevice(instance)])),
  ];
  if (targets.length === 0 || !targets.every((t) => DEVICE.test(t))) {
    throw invalid(
      'E_BOOT_GRUB',
      `bootloader targets ${JSON.stringify(targets)} are not absolute paths`,
      'give the disk device (bios) or the ESP mount point /boot/efi (uefi)',
    );
  }
  if (input.firmware === 'uefi' && !disk.esp) {
    throw invalid(
      'E_BOOT_GRUB',
      'uefi firmware needs an EFI system partition',
      'use a layout with an ESP for uefi instances',
    );
  }
  if (disk.layout === 'btrfs-subvolumes') {
    if (disk.root.type !== 'btrfs') {
      throw new OsError(
        'E_LAYOUT_FILESYSTEM',
        `layout btrfs-subvolumes needs a btrfs root, not ${disk.root.type}`,
        { hint: 'set filesystem=btrfs or layout=plain' },
      );
    }
    const sv = disk.subvolumes;
    if (!sv || !SUBVOLUME.test(sv.root) || !SUBVOLUME.test(sv.home)) {
      throw new OsError(
        'E_LAYOUT_OPTION',
        'layout btrfs-subvolumes needs the names of the root and home subvolumes',
        { hint: 'this is a bug in the installer' },
      );
    }
  }
  const device = consoleDevice(input.serialConsole ?? 'auto', instance);
  const facts: GuixInstanceFacts = {
    hostName: names.short,
    fqdn: names.fqdn,
    nics: plans.map(guixNic),
    nameservers: [...new Set(nameservers)],
    root: { ...disk.root, uuid: checkUuid(disk.root.uuid, 'root') },
    layout: disk.layout,
    bootloader: { firmware: input.firmware, targets },
    serialConsole: device ? { device, speed: input.serialSpeed ?? 115200 } : null,
    timezone,
    sshAuthorizedKeys: sshKeys(input.sshAuthorizedKeys ?? []),
  };
  if (disk.layout === 'btrfs-subvolumes' && disk.subvolumes) facts.subvolumes = { ...disk.subvolumes };
  if (disk.home) facts.home = { ...disk.home, uuid: checkUuid(disk.home.uuid, 'home') };
  if (disk.swap) facts.swap = { uuid: checkUuid(disk.swap.uuid, 'swap') };
  if (disk.esp) facts.esp = { uuid: checkUuid(disk.esp.uuid, 'ESP') };
  if (disk.luks) {
    // The guest waits at boot for /dev/mapper/<name>: a plain name (no `-` for device-mapper to double).
    if (!MAPPER_NAME.test(disk.luks.name)) {
      throw invalid(
        'E_DISK_BLKID',
        `LUKS mapping name ${JSON.stringify(disk.luks.name)} is not a plain device-mapper name`,
        'this is a bug in the installer: names are letters, digits and _ (luksName)',
      );
    }
    facts.luks = { name: disk.luks.name, uuid: checkUuid(disk.luks.uuid, 'LUKS') };
  }
  return facts;
}

function nicValue(n: GuixNic): SchemeValue {
  const addr = (a: GuixNic['ipv4']): SchemeValue =>
    a ? { address: a.address, prefix: a.prefix, gateway: a.gateway ?? null } : null;
  return { name: n.name, mac: n.mac, dhcp: n.dhcp, ipv4: addr(n.ipv4), ipv6: addr(n.ipv6) };
}

/**
 * The variables of the file, in order. Absent facts are #f, lists are Scheme lists, a NIC is an
 * association list with the keys name, mac, dhcp, ipv4 and ipv6 (each address an alist of
 * address, prefix and gateway, or #f).
 */
export function instanceDataVariables(f: GuixInstanceFacts): [string, SchemeValue][] {
  return [
    ['ganeti-instance-data-version', 1],
    ['ganeti-host-name', f.hostName],
    ['ganeti-fqdn', f.fqdn],
    ['ganeti-nics', f.nics.map(nicValue)],
    ['ganeti-nameservers', f.nameservers],
    ['ganeti-root-uuid', f.root.uuid],
    ['ganeti-root-type', f.root.type],
    ['ganeti-root-label', f.root.label ?? null],
    ['ganeti-layout', f.layout],
    ['ganeti-root-subvolume', f.subvolumes?.root ?? null],
    ['ganeti-home-subvolume', f.subvolumes?.home ?? null],
    ['ganeti-home-uuid', f.home?.uuid ?? null],
    ['ganeti-home-type', f.home?.type ?? null],
    ['ganeti-swap-uuid', f.swap?.uuid ?? null],
    ['ganeti-esp-uuid', f.esp?.uuid ?? null],
    ['ganeti-firmware', f.bootloader.firmware],
    ['ganeti-bootloader-targets', f.bootloader.targets],
    [
      'ganeti-serial-console',
      f.serialConsole ? { device: f.serialConsole.device, speed: f.serialConsole.speed } : null,
    ],
    ['ganeti-timezone', f.timezone],
    ['ganeti-ssh-authorized-keys', f.sshAuthorizedKeys],
    ['ganeti-luks-uuid', f.luks?.uuid ?? null],
    ['ganeti-luks-name', f.luks?.name ?? null],
  ];
}

/** The generated Scheme file (no value ever appears outside a literal, not even in a comment). */
export function renderInstanceData(f: GuixInstanceFacts): string {
  const lines = [
    ';;; Generated by ganeti-os (guix provider); rewritten on reinstall, import and rename.',
    ';;; The instance facts as plain variables, every value a literal. Load it from a',
    ';;; configuration with:',
    ';;;   (load (or (getenv "GANETI_OS_INSTANCE_DATA") "/etc/ganeti-os/instance-data.scm"))',
    '',
    ...instanceDataVariables(f).map(([name, value]) => `(define ${name} ${schemeLiteral(value)})`),
  ];
  return `${lines.join('\n')}\n`;
}

/** /etc/ganeti-os/hostname: the short host name the guest sets at boot. */
export function renderHostnameFile(name: string): string {
  const { short } = guestNames({ name });
  return `${short}\n`;
}
