/**
 * After an import, disk 0's filesystems are new: replace the fstab lines of the mount points the
 * layout owns (/, /boot, /boot/efi, swap) with the new entries and keep every other line (data
 * disks, tmpfs, comments) as the guest had them. Pure.
 */
import type { FstabEntry } from '../../src/disk/index.js';

const OWNED = new Set(['/', '/boot', '/boot/efi', 'none', 'swap']);

export function mergeFstab(old: string, fresh: readonly FstabEntry[]): string {
  const kept = old.split('\n').filter((line) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return true;
    const [, mountpoint, type] = t.split(/\s+/);
    if (type === 'swap') return false;
    return !OWNED.has(mountpoint ?? '');
  });
  while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') kept.pop();
  const rows = fresh.map((e) => [e.spec, e.mountpoint, e.type, e.options, e.dump, e.pass].join('\t'));
  return [...rows, ...kept].join('\n') + '\n';
}
