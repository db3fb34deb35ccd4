/**
 * instance-image's shell variables mapped onto the image variant keys. Its files
 * (/etc/default/ganeti-instance-image, /etc/ganeti/instance-image/variants/<v>.conf) are sourced by
 * bash as it sourced them; a YAML variant file wins over them, key by key. What instance-image
 * did without being told (IMAGE_TYPE=dump, FILESYSTEM=ext3, a 100 MB /boot, swap the size of the
 * memory) is implied for the variants its files define.
 *
 * Not mapped: CDINSTALL, OVERLAY, IMAGE_VERIFY (a SHA-1 file from the same server, no trust; set
 * sha256 in a YAML file), IMAGE_CLEANUP, EXPORT_DIR, IMAGE_DEBUG (DEBUG_LEVEL does it).
 */
import type { LegacyMapping } from 'ganeti-os/sdk';

/** IMAGE_TYPE: qemu meant "whatever qemu-img reads" (`.img`): detected. Others keep their name. */
export function imageType(raw: string): string {
  return raw === 'qemu' ? 'auto' : raw;
}

/** `[ "$NOMOUNT" = "yes" ]` */
const onlyYes = (raw: string): boolean => raw === 'yes';

/** SWAP_SIZE in MB (a number), as sfdisk -uM took it; anything else is refused by the schema. */
const megabytes = (raw: string): unknown => (/^[0-9]+$/.test(raw) ? Number(raw) : raw);

export const imageLegacyMapping: LegacyMapping = {
  vars: [
    { variable: 'IMAGE_NAME', key: 'image-name' },
    { variable: 'IMAGE_TYPE', key: 'format', convert: imageType },
    { variable: 'IMAGE_DIR', key: 'image-dir' },
    { variable: 'IMAGE_URL', key: 'image-url' },
    { variable: 'ARCH', key: 'arch' },
    { variable: 'NOMOUNT', key: 'nomount', convert: onlyYes },
    { variable: 'FILESYSTEM', key: 'filesystem' },
    // SWAP=no: no swap, whatever SWAP_SIZE says; else SWAP_SIZE, else (implied) the memory's size.
    // The first mapped entry of a key wins; SWAP=yes sets nothing itself.
    { variable: 'SWAP', key: 'swap', convert: (raw) => (raw === 'no' ? 'none' : undefined) },
    { variable: 'SWAP_SIZE', key: 'swap', convert: megabytes },
    { variable: 'BOOT_SIZE', key: 'boot-partition', convert: megabytes },
    { variable: 'KERNEL_ARGS', key: 'kernel-args' },
    { variable: 'NETWORKS_DIR', key: 'networks-dir' },
    {
      variable: 'CUSTOMIZE_DIR',
      key: 'customize-dir',
      // `[ -n "$CUSTOMIZE_DIR" ]` guards run-parts: emptied by a variant file, no hooks run.
      whenEmpty: { key: 'provider-hooks', value: false },
    },
  ],
  implied: [
    { key: 'format', value: 'dump', why: 'IMAGE_TYPE defaults to dump' },
    { key: 'filesystem', value: 'ext3', why: 'FILESYSTEM defaults to ext3' },
    { key: 'boot-partition', value: 100, why: 'a 100 MB /boot partition' },
    { key: 'swap', value: 'memory', why: "SWAP defaults to yes, SWAP_SIZE to the instance's memory" },
  ],
};
