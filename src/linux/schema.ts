/**
 * Variant key fragments every Linux provider composes into its schema: the disk layout, the
 * bootloader, the guest settings, the hooks and the cache. Each key is declared once, here; a
 * provider adds only its own keys (debootstrap: suite, mirror, ...). `settingsOf` derives the
 * typed, camel-cased view of the resolved values from the declarations themselves, so a key is
 * never written again as a field and a mapper.
 */
import { defineSchema, type KeySpec, type Value, type VariantSchema } from '../config/schema.js';

type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;
type Keywords<K> = K extends { keywords: readonly (infer W extends string)[] } ? W : never;
type ValueOf<K extends KeySpec> = K extends { type: 'enum'; values: readonly (infer E extends string)[] }
  ? E
  : K['type'] extends 'boolean'
    ? boolean
    : K['type'] extends 'integer' | 'size'
      ? number | Keywords<K>
      : K['type'] extends 'list' | 'paths'
        ? string[]
        : K['type'] extends 'map'
          ? Record<string, string>
          : string;

/** The typed view of a fragment's resolved values: `partition-style` -> `partitionStyle`. */
export type Settings<Ks extends readonly KeySpec[]> = { [K in Ks[number] as Camel<K['name']>]: ValueOf<K> };

function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** View resolved values (validated by the schema) through a fragment's declarations. */
export function settingsOf<const Ks extends readonly KeySpec[]>(
  keys: Ks,
  values: Readonly<Record<string, Value>>,
): Settings<Ks> {
  const out: Record<string, Value> = {};
  for (const k of keys) {
    const v = values[k.name];
    if (v === undefined)
      throw new Error(`variant value ${k.name} missing (not resolved against a schema that has it?)`);
    out[camel(k.name)] = v;
  }
  return out as Settings<Ks>;
}

/**
 * A provider's variant schema from its key fragments, and the typed view of resolved values:
 * `const { schema, view } = defineVariantSchema('image', KEYS)`; `Settings<typeof KEYS>` is the type.
 */
export function defineVariantSchema<const Ks extends readonly KeySpec[]>(
  os: string,
  keys: Ks,
): { schema: VariantSchema; view: (values: Readonly<Record<string, Value>>) => Settings<Ks> } {
  return { schema: defineSchema(os, keys), view: (values) => settingsOf(keys, values) };
}

export const ROOT_FS_VALUES = ['ext2', 'ext3', 'ext4', 'xfs', 'btrfs'] as const;

export const DISK_KEYS = [
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
    values: ROOT_FS_VALUES,
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
    name: 'disk-sync',
    type: 'enum',
    default: 'writeback',
    values: ['writeback', 'durable'],
    description:
      "when create, import and reinstall return: writeback (everything is written to the disk; the node's page cache holds what is not yet on stable storage and the kernel writes it back, as qemu-img convert, tar and instance-debootstrap leave it) or durable (the disk's cache is flushed to stable storage first)",
  },
] as const satisfies readonly KeySpec[];

export const BOOT_KEYS = [
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
] as const satisfies readonly KeySpec[];

/** One ssh public key line: type, base64 key, optional comment. */
export const SSH_KEY_PATTERN = /^(ssh-|ecdsa-|sk-)[A-Za-z0-9@.-]+ [A-Za-z0-9+/=]+( [^\n]*)?$/;

export const GUEST_KEYS = [
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
    pattern: SSH_KEY_PATTERN,
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
] as const satisfies readonly KeySpec[];

export const HOOK_KEYS = [
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
      'the provider-wide hooks directory ("" = hooks/ in the provider\'s configuration directory, e.g. /etc/ganeti/instance-debootstrap/hooks; CUSTOMIZE_DIR)',
  },
  {
    name: 'hook-timeout',
    type: 'integer',
    default: 600,
    min: 1,
    max: 86400,
    description: 'seconds one hook may run before it is killed',
  },
] as const satisfies readonly KeySpec[];

export const CACHE_KEYS = [
  {
    name: 'generate-cache',
    type: 'boolean',
    default: true,
    description: 'keep the populated tree in the cache for the next install',
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
      "ext2/3/4 roots: also keep a filesystem image of the cached tree and copy it block by block (faster than unpacking; costs the tree's size on the cache disk)",
  },
] as const satisfies readonly KeySpec[];

export type DiskSettings = Settings<typeof DISK_KEYS>;
export type BootSettings = Settings<typeof BOOT_KEYS>;
export type GuestSettings = Settings<typeof GUEST_KEYS>;
export type HookSettings = Settings<typeof HOOK_KEYS>;
export type CacheSettings = Settings<typeof CACHE_KEYS>;

/** The settings the shared pipeline reads from every Linux variant. */
export interface LinuxSettings {
  disk: DiskSettings;
  boot: BootSettings;
  guest: GuestSettings;
  hooks: HookSettings;
}

/** The pipeline's view of a variant resolved against a schema that composes the fragments. */
export function linuxSettings(values: Readonly<Record<string, Value>>): LinuxSettings {
  return {
    disk: settingsOf(DISK_KEYS, values),
    boot: settingsOf(BOOT_KEYS, values),
    guest: settingsOf(GUEST_KEYS, values),
    hooks: settingsOf(HOOK_KEYS, values),
  };
}
