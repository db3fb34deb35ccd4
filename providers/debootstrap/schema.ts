/**
 * The debootstrap provider's variant keys. Names follow Guix's `debootstrap-configuration` where
 * one exists (suite, mirror, proxy, arch, components, extra-pkgs, hooks, generate-cache,
 * clean-cache, partition-style, partition-alignment). The defaults give a bootable Debian stable
 * (bookworm) on one msdos partition (instance-debootstrap's layout) with ext4, GRUB and the serial
 * console following the hypervisor's `serial_console`.
 */
import { defineSchema, type Value } from '../../src/config/schema.js';

const PKG = /^[a-z0-9][a-z0-9+.-]+$/;

export const debootstrapSchema = defineSchema('debootstrap', [
  {
    name: 'suite',
    type: 'string',
    default: 'bookworm',
    pattern: /^[a-z][a-z0-9.-]*$/,
    description: 'Debian suite or codename to bootstrap',
  },
  {
    name: 'mirror',
    type: 'string',
    default: 'http://deb.debian.org/debian',
    pattern: /^(https?|file):\/\/\S+$/,
    description: 'Debian mirror URL',
  },
  {
    name: 'proxy',
    type: 'string',
    default: '',
    pattern: /^https?:\/\/\S+$/,
    description: 'HTTP(S) proxy for downloads ("" = none)',
  },
  {
    name: 'arch',
    type: 'string',
    default: '',
    pattern: /^[a-z0-9-]+$/,
    description: 'Debian architecture ("" = the node\'s own)',
  },
  {
    name: 'components',
    type: 'list',
    default: ['main'],
    pattern: /^[a-z0-9-]+$/,
    description: 'archive components',
  },
  {
    name: 'extra-pkgs',
    type: 'list',
    default: ['acpi-support-base', 'openssh-server'],
    pattern: PKG,
    description: 'packages added to those the other keys imply (kernel, bootloader, network, locale)',
  },
  {
    name: 'hooks',
    type: 'paths',
    default: [],
    description:
      "this variant's hooks: a directory (phase subdirectories allowed) or a list of files; relative to the variant file",
  },
  {
    name: 'provider-hooks',
    type: 'boolean',
    default: true,
    description: 'also run the provider-wide hooks directory (customize-dir)',
  },
  {
    name: 'customize-dir',
    type: 'path',
    default: '',
    description:
      'the provider-wide hooks directory ("" = /etc/ganeti/instance-debootstrap/hooks; CUSTOMIZE_DIR)',
  },
  {
    name: 'hook-timeout',
    type: 'integer',
    default: 600,
    min: 1,
    max: 86400,
    description: 'seconds one hook may run before it is killed',
  },
  {
    name: 'generate-cache',
    type: 'boolean',
    default: true,
    description: 'keep a bootstrapped tree in the cache for the next install',
  },
  {
    name: 'clean-cache',
    type: 'integer',
    default: 14,
    min: 0,
    keywords: ['never'],
    description: 'days after which a cache entry is rebuilt',
  },
  {
    name: 'image-cache',
    type: 'boolean',
    default: true,
    description:
      'ext2/3/4 roots: also keep a filesystem image of the cached tree and copy it block by block (faster than unpacking; costs the tree\'s size on the cache disk)',
  },
  {
    name: 'partition-style',
    type: 'enum',
    default: 'msdos',
    values: ['none', 'msdos', 'gpt'],
    description: 'partition table of disk 0',
  },
  {
    name: 'partition-alignment',
    type: 'integer',
    default: 2048,
    min: 1,
    description: 'partition alignment in 512-byte sectors',
  },
  {
    name: 'filesystem',
    type: 'enum',
    default: 'ext4',
    values: ['ext2', 'ext3', 'ext4', 'xfs', 'btrfs'],
    description: 'root filesystem',
  },
  {
    name: 'swap',
    type: 'size',
    default: 'none',
    min: 1,
    keywords: ['none'],
    description: 'swap partition size, or none',
  },
  {
    name: 'boot-partition',
    type: 'size',
    default: 'none',
    min: 64,
    keywords: ['none'],
    description: 'separate /boot partition size, or none',
  },
  {
    name: 'kernel',
    type: 'string',
    default: 'linux-image-amd64',
    pattern: PKG,
    keywords: ['none'],
    description: 'kernel package (none: no kernel)',
  },
  {
    name: 'bootloader',
    type: 'enum',
    default: 'grub',
    values: ['grub', 'none'],
    description: 'boot loader installed in the guest',
  },
  {
    name: 'serial-console',
    type: 'enum',
    default: 'auto',
    values: ['auto', 'on', 'off'],
    description: 'getty and kernel console on the serial port (auto: INSTANCE_HV_serial_console)',
  },
  {
    name: 'keyring',
    type: 'path',
    default: '',
    description: 'keyring to check the archive with ("" = debootstrap\'s default)',
  },
  {
    name: 'debootstrap-variant',
    type: 'enum',
    default: 'standard',
    values: ['minbase', 'buildd', 'fakechroot', 'standard'],
    description: "debootstrap --variant (standard: debootstrap's default package set)",
  },
  {
    name: 'bootstrapper',
    type: 'enum',
    default: 'auto',
    values: ['auto', 'debootstrap', 'mmdebstrap'],
    description: 'tool that bootstraps',
  },
  {
    name: 'root-password',
    type: 'enum',
    default: 'locked',
    values: ['locked', 'empty', 'param'],
    description:
      'root password: locked, empty (instance-debootstrap), or param (from the root-password OS parameter, hashed)',
  },
  {
    name: 'ssh-authorized-keys',
    type: 'list',
    default: [],
    pattern: /^(ssh-|ecdsa-|sk-)[A-Za-z0-9@.-]+ [A-Za-z0-9+/=]+( [^\n]*)?$/,
    description: "public keys for root's authorized_keys",
  },
  {
    name: 'locale',
    type: 'string',
    default: 'C.UTF-8',
    pattern: /^[A-Za-z0-9_.@-]+$/,
    description: 'default locale',
  },
  {
    name: 'timezone',
    type: 'string',
    default: 'Etc/UTC',
    pattern: /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/,
    description: 'time zone (tz database name)',
  },
  {
    name: 'hostname-fqdn',
    type: 'boolean',
    default: false,
    description: 'write the FQDN (not the short name) to /etc/hostname',
  },
  {
    name: 'network',
    type: 'enum',
    default: 'auto',
    values: ['auto', 'ifupdown', 'networkd', 'none'],
    description: 'network configuration written for the NICs (auto: what the guest has installed)',
  },
]);

/** The resolved values with their types, for the provider's code. */
export interface DebootstrapVariant {
  suite: string;
  mirror: string;
  proxy: string;
  arch: string;
  components: string[];
  extraPkgs: string[];
  hooks: string[];
  providerHooks: boolean;
  customizeDir: string;
  hookTimeoutSec: number;
  generateCache: boolean;
  cleanCacheDays: number | 'never';
  imageCache: boolean;
  partitionStyle: 'none' | 'msdos' | 'gpt';
  partitionAlignment: number;
  filesystem: 'ext2' | 'ext3' | 'ext4' | 'xfs' | 'btrfs';
  swapMiB: number | 'none';
  bootPartitionMiB: number | 'none';
  kernel: string;
  bootloader: 'grub' | 'none';
  serialConsole: 'auto' | 'on' | 'off';
  keyring: string;
  debootstrapVariant: 'minbase' | 'buildd' | 'fakechroot' | 'standard';
  bootstrapper: 'auto' | 'debootstrap' | 'mmdebstrap';
  rootPassword: 'locked' | 'empty' | 'param';
  sshAuthorizedKeys: string[];
  locale: string;
  timezone: string;
  hostnameFqdn: boolean;
  network: 'auto' | 'ifupdown' | 'networkd' | 'none';
}

/** View resolved values (validated by the schema) as a typed object. */
export function debootstrapVariant(values: Record<string, Value>): DebootstrapVariant {
  const v = (key: string): never => {
    const x = values[key];
    if (x === undefined)
      throw new Error(`debootstrap variant value ${key} missing (not resolved against debootstrapSchema?)`);
    return x as never;
  };
  return {
    suite: v('suite'),
    mirror: v('mirror'),
    proxy: v('proxy'),
    arch: v('arch'),
    components: v('components'),
    extraPkgs: v('extra-pkgs'),
    hooks: v('hooks'),
    providerHooks: v('provider-hooks'),
    customizeDir: v('customize-dir'),
    hookTimeoutSec: v('hook-timeout'),
    generateCache: v('generate-cache'),
    cleanCacheDays: v('clean-cache'),
    imageCache: v('image-cache'),
    partitionStyle: v('partition-style'),
    partitionAlignment: v('partition-alignment'),
    filesystem: v('filesystem'),
    swapMiB: v('swap'),
    bootPartitionMiB: v('boot-partition'),
    kernel: v('kernel'),
    bootloader: v('bootloader'),
    serialConsole: v('serial-console'),
    keyring: v('keyring'),
    debootstrapVariant: v('debootstrap-variant'),
    bootstrapper: v('bootstrapper'),
    rootPassword: v('root-password'),
    sshAuthorizedKeys: v('ssh-authorized-keys'),
    locale: v('locale'),
    timezone: v('timezone'),
    hostnameFqdn: v('hostname-fqdn'),
    network: v('network'),
  };
}
