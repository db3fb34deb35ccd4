/**
 * What the Debian package says about itself, as data and text: its layout on a node, the dependency
 * split, the control file, the launcher, the changelog and the copyright file. Pure; scripts/deb.ts
 * stages the files and runs dpkg-deb.
 */

/** Where the package puts things (paths inside the package, absolute on the node). */
export const LAYOUT = {
  /** The bundle (dist/), the shipped hooks and variants: the CLI finds hooks/ and variants/ beside dist/. */
  share: '/usr/share/ganeti-os',
  launcher: '/usr/bin/ganeti-os',
  man: '/usr/share/man/man8/ganeti-os.8.gz',
  doc: '/usr/share/doc/ganeti-os',
} as const;

/**
 * Paths other Debian packages own on a Ganeti node: ganeti-instance-debootstrap and ganeti-os-noop
 * (their OS directories, configuration and cache), Ganeti itself, and what `ganeti-os install` writes.
 * The package ships nothing at or below them.
 */
export const FOREIGN_PATHS = [
  '/usr/share/ganeti',
  '/usr/lib/ganeti',
  '/usr/local',
  '/etc/ganeti',
  '/etc/default/ganeti-instance-debootstrap',
  '/srv',
  '/var/cache/ganeti-instance-debootstrap',
  '/var/cache/ganeti-os',
  '/var/lib/ganeti',
] as const;

/** The first of FOREIGN_PATHS that holds `path`, if any. */
export function foreignOwnerPath(path: string): string | undefined {
  return FOREIGN_PATHS.find((p) => path === p || path.startsWith(`${p}/`));
}

/**
 * Tools every provider needs: node for the bundle; the shared Linux pipeline's disk tools (losetup,
 * partx, sfdisk, wipefs, flock, findmnt, blkid: util-linux, mount and fdisk; mkfs.ext4, e2fsck,
 * resize2fs, tune2fs: e2fsprogs; kpartx, the partition mapper for DRBD and LVM disks). tar and gzip
 * are essential and go unnamed.
 */
export const DEPENDS = ['nodejs (>= 18.19)', 'util-linux', 'mount', 'fdisk', 'e2fsprogs', 'kpartx'] as const;

/**
 * Tools of one provider or one feature: bootstrapping Debian guests (mmdebstrap, which `auto`
 * prefers, or debootstrap, and the archive keys), bootloaders, other filesystems and the EFI system partition, caches and compressed
 * images, qcow2 images, dump images and exports, signed checksums, guest keys and password hashes,
 * the example provider's golden trees, udev settling, and eatmydata for faster grub installs.
 */
export const RECOMMENDS = [
  'mmdebstrap | debootstrap',
  'debian-archive-keyring',
  'qemu-utils',
  'grub-pc-bin',
  'grub2-common',
  'grub-efi-amd64-bin',
  'xfsprogs',
  'btrfs-progs',
  'dosfstools',
  'mtools',
  'zstd',
  'xz-utils',
  'dump',
  'gpgv',
  'openssh-client',
  'openssl',
  'rsync',
  'udev',
  'eatmydata',
] as const;

export const SUGGESTS = ['ganeti'] as const;

export interface PackageMeta {
  version: string;
  maintainer: string;
  /** Installed size in KiB. */
  installedSizeKiB: number;
  description: string;
}

/** A control file's long description: each line indented, blank lines as ` .`. */
function longDescription(text: string): string {
  return text
    .split('\n')
    .map((l) => (l.trim() === '' ? ' .' : ` ${l}`))
    .join('\n');
}

export function controlFile(m: PackageMeta): string {
  return [
    'Package: ganeti-os',
    `Version: ${m.version}`,
    'Architecture: all',
    `Maintainer: ${m.maintainer}`,
    `Installed-Size: ${m.installedSizeKiB}`,
    `Depends: ${DEPENDS.join(', ')}`,
    `Recommends: ${RECOMMENDS.join(', ')}`,
    `Suggests: ${SUGGESTS.join(', ')}`,
    'Section: admin',
    'Priority: optional',
    `Description: ${m.description}`,
    longDescription(
      'Debootstrap, image and noop OS providers for Ganeti on one shared, tested Linux install\n' +
        'pipeline, and a disk image builder. `ganeti-os install` puts the providers into a Ganeti\n' +
        'OS search directory; nothing is installed there by this package itself.\n' +
        '\n' +
        'Coexists with ganeti-instance-debootstrap and ganeti-os-noop: it ships none of their files,\n' +
        'and `ganeti-os install` explains how to proceed when one of them already provides a name.',
    ),
    '',
  ].join('\n');
}

/** /usr/bin/ganeti-os: the CLI bundle run by the system's node (an absolute path, as the scripts get). */
export function launcher(): string {
  return [
    '#!/bin/sh',
    '# ganeti-os: the admin CLI (ganeti-os(8)), run by the system node.',
    `exec /usr/bin/node ${LAYOUT.share}/dist/ganeti-os.mjs "$@"`,
    '',
  ].join('\n');
}

/** RFC 2822 date as Debian changelogs write it, e.g. `Tue, 02 Jan 2024 03:04:05 +0000`. */
export function changelogDate(d: Date): string {
  return d.toUTCString().replace('GMT', '+0000');
}

export function changelog(m: Pick<PackageMeta, 'version' | 'maintainer'>, date: Date): string {
  return (
    `ganeti-os (${m.version}) unstable; urgency=medium\n\n` +
    `  * Release ${m.version}.\n\n` +
    ` -- ${m.maintainer}  ${changelogDate(date)}\n`
  );
}

export interface BundledPackage {
  name: string;
  version: string;
  license: string;
}

/** debian/copyright (machine-readable format 1.0), naming each npm package the bundle includes. */
export function copyright(bundled: readonly BundledPackage[]): string {
  const list = bundled.map((p) => ` ${p.name} ${p.version}: ${p.license}`).join('\n');
  return [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    'Upstream-Name: ganeti-os',
    '',
    'Files: *',
    'Copyright: ganeti-os developers',
    'License: GPL-2.0-or-later',
    ' On Debian systems, the full text of the GNU General Public License version 2',
    ' can be found in the file /usr/share/common-licenses/GPL-2.',
    '',
    `Files: ${LAYOUT.share.slice(1)}/dist/*`,
    'Copyright: ganeti-os developers and the authors of the npm packages bundled with it',
    'License: GPL-2.0-or-later and others',
    ' The bundle includes these npm packages (name, version, license):',
    list,
    '',
  ].join('\n');
}
