/**
 * The guix provider's variant keys. A variant is a Guix System configuration: `<variant>.scm`
 * alone is a variant (every key at its default), and a `<variant>.yaml` may name another
 * configuration file and set the keys below. Its own keys say which guix runs and where its
 * results live (`guix`, `substitute-urls`, `gc-root-dir`, `cache-dir`); the disk keys say how disk
 * 0 is laid out (always gpt with a BIOS boot partition and an ESP, so both firmwares boot; `layout`,
 * `part-size`, `filesystem`, `swap`); a few guest keys become instance data the configuration reads
 * (`firmware`, `serial-console`, `timezone`, `ssh-authorized-keys`). Guix manages the guest's /etc
 * itself, so the shared guest keys that write it (locale, network, root password) are not here.
 */
import {
  BOOT_KEYS,
  defineVariantSchema,
  DISK_KEYS,
  GUEST_KEYS,
  HOOK_KEYS,
  type KeySpec,
  type Settings,
} from 'ganeti-os/sdk';

/** The extension that makes a file of the variants directory a variant by itself. */
export const CONFIG_EXTENSION = '.scm';

/** Where `guix system build -r` leaves one GC root per instance (a directory guix-daemon scans). */
export const DEFAULT_GC_ROOT_DIR = '/var/guix/gcroots/ganeti-os';

export const DEFAULT_SUBSTITUTE_URLS = ['https://bordeaux.guix.gnu.org', 'https://ci.guix.gnu.org'];

const GUIX_KEYS = [
  {
    name: 'config',
    type: 'path',
    default: '',
    description:
      'the Guix System configuration, a .scm file relative to the variant file ("" = <variant>.scm in the variants directory, the admin\'s before the shipped one)',
  },
  {
    name: 'guix',
    type: 'path',
    default: 'guix',
    keywords: ['guix'],
    description:
      'the guix command (guix: found on PATH; else an absolute path, or relative to the variant file)',
  },
  {
    name: 'substitute-urls',
    type: 'list',
    default: DEFAULT_SUBSTITUTE_URLS,
    pattern: /^(https?|file):\/\/\S+$/,
    description:
      'substitute servers guix may download from (an empty list: --no-substitutes, build everything)',
  },
  {
    name: 'gc-root-dir',
    type: 'path',
    default: DEFAULT_GC_ROOT_DIR,
    description:
      'directory of the GC roots, one per instance (<dir>/<instance>), replaced on reinstall; listed and pruned by `ganeti-os cache`',
  },
  {
    name: 'cache-dir',
    type: 'path',
    default: '',
    description:
      'XDG_CACHE_HOME of the guix commands (time-machine\'s checkouts) ("" = xdg/ in the provider\'s cache directory)',
  },
  {
    name: 'skip-checks',
    type: 'boolean',
    default: false,
    description:
      "guix system init --skip-checks: only where the node forbids opening its own disks (a sandbox); guix's checks of the configuration's file systems are a useful guard everywhere else",
  },
  {
    name: 'layout',
    type: 'enum',
    default: 'plain',
    values: ['plain', 'btrfs-subvolumes'],
    description:
      'plain: one root filesystem; btrfs-subvolumes: subvolumes @ (/) and @home (/home), btrfs only',
  },
  {
    name: 'part-size',
    type: 'size',
    default: 'none',
    min: 16,
    keywords: ['none'],
    description: 'largest root partition (the rest of the disk stays free), or none: the whole disk',
  },
  {
    name: 'firmware',
    type: 'enum',
    default: 'bios',
    values: ['bios', 'uefi'],
    description:
      "the firmware guix's GRUB is installed for (the disk has a BIOS boot partition and an ESP either way)",
  },
] as const satisfies readonly KeySpec[];

// The shared keys that apply to a Guix System guest (the schema test checks the names).
const GUIX_DISK_KEYS = [DISK_KEYS[1], DISK_KEYS[2], DISK_KEYS[3], DISK_KEYS[5]] as const; // alignment, filesystem, swap, disk-sync
const GUIX_BOOT_KEYS = [BOOT_KEYS[1]] as const; // serial-console
const GUIX_GUEST_KEYS = [GUEST_KEYS[1], GUEST_KEYS[3]] as const; // ssh-authorized-keys, timezone

export const GUIX_VARIANT_KEYS = [
  ...GUIX_KEYS,
  ...GUIX_DISK_KEYS,
  ...GUIX_BOOT_KEYS,
  ...GUIX_GUEST_KEYS,
  ...HOOK_KEYS,
] as const;

/** The schema, and the resolved values viewed with their types (`gc-root-dir` -> `gcRootDir`). */
export const { schema: guixSchema, view: guixVariant } = defineVariantSchema('guix', GUIX_VARIANT_KEYS);
export type GuixVariant = Settings<typeof GUIX_VARIANT_KEYS>;

/** How the shared variant loader finds guix variants (a `.scm` alone is one). */
export const GUIX_VARIANTS = { os: 'guix', schema: guixSchema, configExtension: CONFIG_EXTENSION } as const;
