/**
 * fstab entries for the guest's own filesystems, as data: src/guest/fstab.ts renders (and merges)
 * them with fstab(5) escaping. Pure.
 */
import type { PartitionContent, PartitionRole } from './layout.js';

/** One line of /etc/fstab. */
export interface FstabEntry {
  /** UUID=..., PARTUUID=..., LABEL=..., /dev/... */
  spec: string;
  /** '/', '/boot', ... or 'none' (swap). */
  mountpoint: string;
  type: string;
  /** Default 'defaults'. */
  options?: string;
  /** Default 0. */
  dump?: number;
  /** Default 1 for /, 0 for swap, 2 otherwise. */
  pass?: number;
}

export interface FormattedPartition {
  role: PartitionRole;
  number: number;
  device: string;
  uuid: string | undefined;
  fstype: PartitionContent;
}

function defaultOptions(fstype: PartitionContent, role: PartitionRole): string {
  if (role === 'esp') return 'umask=0077,nofail';
  if (fstype === 'ext2' || fstype === 'ext3' || fstype === 'ext4')
    return role === 'root' ? 'errors=remount-ro' : 'defaults';
  return 'defaults';
}

/** One entry per mountable or swap partition, root first, UUID-based. */
export function planFstabEntries(
  parts: readonly FormattedPartition[],
  guestMountOptions: readonly string[] = [],
): FstabEntry[] {
  const order: PartitionRole[] = ['root', 'boot', 'esp', 'swap'];
  const out: FstabEntry[] = [];
  for (const role of order) {
    for (const p of parts.filter((x) => x.role === role && x.uuid)) {
      if (role === 'swap') {
        out.push({
          spec: `UUID=${p.uuid}`,
          mountpoint: 'none',
          type: 'swap',
          options: 'sw',
          dump: 0,
          pass: 0,
        });
        continue;
      }
      const mountpoint = role === 'root' ? '/' : role === 'boot' ? '/boot' : '/boot/efi';
      const base = defaultOptions(p.fstype, role);
      const options =
        role === 'root' && guestMountOptions.length > 0 ? [base, ...guestMountOptions].join(',') : base;
      const pass =
        role === 'root'
          ? p.fstype === 'xfs' || p.fstype === 'btrfs'
            ? 0
            : 1
          : p.fstype === 'xfs' || p.fstype === 'btrfs'
            ? 0
            : 2;
      out.push({ spec: `UUID=${p.uuid}`, mountpoint, type: p.fstype, options, dump: 0, pass });
    }
  }
  return out;
}
