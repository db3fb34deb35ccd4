/**
 * The image provider's variant keys: where the image comes from (a file of `image-dir` or an
 * http(s) URL, with its checksum or a signed sums file), its format, what to do with it (`nomount`,
 * `cloud-init`), instance-image's naming keys (`image-name`, `arch`, `image-url`) for the variants
 * its shell files define, and the shared fragments: disk layout, bootloader and guest settings for
 * the tree formats (dump, tarball), hooks. An image guest keeps its own root password unless the
 * variant or a parameter sets one (`root-password: keep`).
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

/** instance-image's default image directory. */
export const DEFAULT_IMAGE_DIR = '/var/cache/ganeti-instance-image';

export const IMAGE_FORMATS = ['dump', 'tarball', 'raw', 'qcow2'] as const;
export type DeclaredFormat = (typeof IMAGE_FORMATS)[number];

const HEX64 = /^[0-9a-fA-F]{64}$/;
const HEX128 = /^[0-9a-fA-F]{128}$/;
const HTTP_URL = /^https?:\/\/[^\s]+$/;

const SOURCE_KEYS = [
  {
    name: 'source',
    type: 'string',
    default: '',
    pattern: /^(https?:\/\/[^\s]+|[^/\s]+)$/,
    description:
      'the image: a file name in image-dir, or an http(s):// URL (then sha256, sha512 or sums is required)',
  },
  {
    name: 'format',
    type: 'enum',
    default: 'auto',
    values: ['auto', ...IMAGE_FORMATS],
    description:
      'dump, tarball, raw or qcow2; auto: detected from the content (a declared format the content contradicts is an error)',
  },
  {
    name: 'sha256',
    type: 'string',
    default: '',
    pattern: HEX64,
    description: "the image's SHA-256 (checked before it is used)",
  },
  {
    name: 'sha512',
    type: 'string',
    default: '',
    pattern: HEX128,
    description: "the image's SHA-512 (checked before it is used)",
  },
  {
    name: 'sums',
    type: 'string',
    default: '',
    pattern: HTTP_URL,
    description: 'URL of a SHA256SUMS or SHA512SUMS file listing the image (with sums-signature and keyring)',
  },
  {
    name: 'sums-signature',
    type: 'string',
    default: '',
    pattern: HTTP_URL,
    description: 'URL of the detached signature of the sums file, checked with gpgv',
  },
  {
    name: 'keyring',
    type: 'path',
    default: '',
    description: 'the keyring gpgv checks the sums signature against',
  },
  {
    name: 'image-dir',
    type: 'path',
    default: DEFAULT_IMAGE_DIR,
    description: 'directory of local images (source and the image parameter name files in it); IMAGE_DIR',
  },
  {
    name: 'image-name',
    type: 'string',
    default: '',
    pattern: /^[A-Za-z0-9._+-]+$/,
    description:
      "instance-image's IMAGE_NAME, when source is empty: the file <image-name>-<arch><ext> (ext from format: -root.dump, .tar.gz, .raw, .qcow2; auto: .img)",
  },
  {
    name: 'arch',
    type: 'string',
    default: '',
    pattern: /^[A-Za-z0-9_-]+$/,
    description: "instance-image's ARCH, part of the file name with image-name",
  },
  {
    name: 'image-url',
    type: 'string',
    default: '',
    pattern: HTTP_URL,
    description: "instance-image's IMAGE_URL: the directory URL the image-name file is fetched from",
  },
  {
    name: 'nomount',
    type: 'boolean',
    default: false,
    description:
      'an opaque disk image (Windows, BSD, ...): only its bytes are written; export and import stream raw bytes',
  },
  {
    name: 'cloud-init',
    type: 'boolean',
    default: false,
    description: 'write a cloud-init NoCloud seed (meta-data, network-config) into the guest',
  },
  {
    name: 'networks-dir',
    type: 'path',
    default: '',
    description:
      'instance-image\'s NETWORKS_DIR: networks/instances/<instance name> and networks/subnets/<subnet> give the first NIC a static address ("" = networks/ in the configuration directory)',
  },
  {
    name: 'kernel-args',
    type: 'string',
    default: '',
    description: "instance-image's KERNEL_ARGS, passed to its hooks",
  },
] as const satisfies readonly KeySpec[];

/** DISK_KEYS, with instance-image's swap the size of the instance's memory (`memory`). */
const IMAGE_DISK_KEYS = DISK_KEYS.map((k) =>
  k.name === 'swap'
    ? {
        ...k,
        keywords: ['none', 'memory'],
        description:
          "swap partition size, none, or memory (the instance's memory size, instance-image's default)",
      }
    : k,
) as unknown as typeof DISK_KEYS;

/** GUEST_KEYS, with an image's own root password kept by default. */
const IMAGE_GUEST_KEYS = GUEST_KEYS.map((k) =>
  k.name === 'root-password'
    ? {
        ...k,
        values: [...k.values, 'keep'],
        default: 'keep',
        description:
          "root password: keep (the image's own), locked, empty, or param (from the root-password OS parameter, hashed)",
      }
    : k,
) as unknown as typeof GUEST_KEYS;

export const IMAGE_KEYS = [
  ...SOURCE_KEYS,
  ...IMAGE_DISK_KEYS,
  ...BOOT_KEYS,
  ...IMAGE_GUEST_KEYS,
  ...HOOK_KEYS,
] as const;

/** The schema, and the resolved values viewed with their types (`image-dir` -> `imageDir`). */
export const { schema: imageSchema, view: imageVariant } = defineVariantSchema('image', IMAGE_KEYS);
export type ImageVariant = Settings<typeof IMAGE_KEYS>;
