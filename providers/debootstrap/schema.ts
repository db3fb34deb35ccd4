/**
 * The debootstrap provider's variant keys: its own (names follow Guix's `debootstrap-configuration`
 * where one exists: suite, mirror, proxy, arch, components, extra-pkgs) composed with the shared
 * fragments every Linux provider has (disk, bootloader, guest, hooks, cache). The defaults give a
 * bootable Debian stable on one msdos partition (instance-debootstrap's layout) with ext4, GRUB and
 * the serial console following the hypervisor's `serial_console`.
 */
import {
  BOOT_KEYS,
  CACHE_KEYS,
  defineVariantSchema,
  DISK_KEYS,
  GUEST_KEYS,
  HOOK_KEYS,
  type KeySpec,
  type Settings,
} from 'ganeti-os/sdk';

const PKG = /^[a-z0-9][a-z0-9+.-]+$/;

const ARCHIVE_KEYS = [
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
] as const satisfies readonly KeySpec[];

const KERNEL_KEYS = [
  {
    name: 'kernel',
    type: 'string',
    default: 'linux-image-amd64',
    pattern: PKG,
    keywords: ['none'],
    description: 'kernel package (none: no kernel)',
  },
] as const satisfies readonly KeySpec[];

const BOOTSTRAP_KEYS = [
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
] as const satisfies readonly KeySpec[];

const KEYS = [
  ...ARCHIVE_KEYS,
  ...HOOK_KEYS,
  ...CACHE_KEYS,
  ...DISK_KEYS,
  ...KERNEL_KEYS,
  ...BOOT_KEYS,
  ...BOOTSTRAP_KEYS,
  ...GUEST_KEYS,
] as const;

/** The schema, and the resolved values viewed as a typed object (`extra-pkgs` -> `extraPkgs`). */
export const { schema: debootstrapSchema, view: debootstrapVariant } = defineVariantSchema(
  'debootstrap',
  KEYS,
);
export type DebootstrapVariant = Settings<typeof KEYS>;
