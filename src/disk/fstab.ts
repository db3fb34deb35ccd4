/**
 * fstab entries for the guest as data (the guest-config module renders them). Pure.
 */
import type { PartitionContent, PartitionRole } from './layout.js';

export interface FstabEntry {
  spec: string;
  mountpoint: string;
  type: string;
  options: string;
  dump: number;
  pass: number;
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
  if (fstype === 'ext2' || fstype === 'ext3' || fstype === 'ext4') return role === 'root' ? 'errors=remount-ro' : 'defaults';
  return 'defaults';
}

/** One entry per mountable or swap partition, root first, UUID-based. */
export function planFstab(parts: readonly FormattedPartition[], guestMountOptions: readonly string[] = []): FstabEntry[] {
  const order: PartitionRole[] = ['root', 'boot', 'esp', 'swap'];
  const out: FstabEntry[] = [];
  for (const role of order) {
    for (const p of parts.filter((x) => x.role === role && x.uuid)) {
      if (role === 'swap') {
        out.push({ spec: `UUID=${p.uuid}`, mountpoint: 'none', type: 'swap', options: 'sw', dump: 0, pass: 0 });
        continue;
      }
      const mountpoint = role === 'root' ? '/' : role === 'boot' ? '/boot' : '/boot/efi';
      const base = defaultOptions(p.fstype, role);
      const options = role === 'root' && guestMountOptions.length > 0 ? [base, ...guestMountOptions].join(',') : base;
      const pass = role === 'root' ? (p.fstype === 'xfs' || p.fstype === 'btrfs' ? 0 : 1) : p.fstype === 'xfs' || p.fstype === 'btrfs' ? 0 : 2;
      out.push({ spec: `UUID=${p.uuid}`, mountpoint, type: p.fstype, options, dump: 0, pass });
    }
  }
  return out;
}

/** Render entries as fstab lines (for callers that have no guest-config renderer at hand). */
export function renderFstab(entries: readonly FstabEntry[]): string {
  return entries.map((e) => [e.spec, e.mountpoint, e.type, e.options, e.dump, e.pass].join('\t')).join('\n') + '\n';
}
