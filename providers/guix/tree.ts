/**
 * Where the guest's files are on a mounted disk 0 and what its filesystems are, for every
 * operation: with the btrfs-subvolumes layout the root filesystem's top level holds the subvolumes
 * `@` (the guest's /) and `@home` (its /home), so the guest's tree is `<mount>/@`; otherwise the
 * mount itself. The subvolume is taken only when it is a real directory (a guest's symlink named
 * `@` never leads the provider out of the disk).
 */
import { lstatSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import type { GuixDiskFacts, GuixRootType } from './instance-data.js';
import { SUBVOLUMES } from './plan.js';

export type Layout = GuixDiskFacts['layout'];

/** The mounted top level holds the subvolume layout's `@` (a directory, not a symlink). */
export function hasSubvolumeLayout(top: string): boolean {
  const st = lstatSync(join(top, SUBVOLUMES.root), { throwIfNoEntry: false });
  return st?.isDirectory() === true;
}

/**
 * The btrfs-subvolumes layout's top level holds only the subvolumes: the empty /boot/efi mount
 * point the disk layer makes in the mounted root belongs in `@` (guix makes it there).
 */
export function dropTopLevelMountPoints(top: string): void {
  for (const d of ['boot/efi', 'boot']) {
    try {
      rmdirSync(join(top, d));
    } catch {
      // absent, or not empty: left as it is
    }
  }
}

/** The guest's / on the mounted disk: `<top>/@` for btrfs subvolumes, else `<top>`. */
export function guestRootOf(top: string, layout: Layout): string {
  return layout === 'btrfs-subvolumes' ? join(top, SUBVOLUMES.root) : top;
}

/** One filesystem of disk 0 as the disk layer reports it. */
export interface DiskPart {
  fstype: string | undefined;
  uuid: string | undefined;
  label?: string | undefined;
  root: boolean;
}

/**
 * The disk facts the instance data carries, from disk 0's filesystems (pure); `luks` when the
 * root's filesystem is inside a LUKS container (its UUID and the name the guest opens it under).
 */
export function diskFacts(
  parts: readonly DiskPart[],
  layout: Layout,
  luks?: { uuid: string; name: string },
): GuixDiskFacts {
  const root = parts.find((p) => p.root);
  if (!root?.uuid || !['ext4', 'btrfs', 'xfs'].includes(root.fstype ?? '')) {
    throw new Error(`disk 0 has no ext4, btrfs or xfs root with a UUID (${root?.fstype ?? 'none'})`);
  }
  const swap = parts.find((p) => p.fstype === 'swap' && p.uuid);
  const esp = parts.find((p) => p.fstype === 'vfat' && p.uuid);
  return {
    root: {
      uuid: root.uuid,
      type: root.fstype as GuixRootType,
      ...(root.label ? { label: root.label } : {}),
    },
    layout,
    ...(layout === 'btrfs-subvolumes' ? { subvolumes: { ...SUBVOLUMES } } : {}),
    ...(swap?.uuid ? { swap: { uuid: swap.uuid } } : {}),
    ...(esp?.uuid ? { esp: { uuid: esp.uuid } } : {}),
    ...(luks ? { luks: { ...luks } } : {}),
  };
}
