/**
 * The GNU tar command lines for guest trees, built in one place so the cache, export and import
 * keep the same metadata: ACLs, every xattr namespace (file capabilities live in security.*) and
 * numeric owners (the host's passwd must not remap the guest's uids). Pure.
 *
 * Extraction relies on GNU tar's defaults, which make an untrusted stream safe to unpack into an
 * empty target: members with `..` are refused and leading `/` is stripped (no --absolute-names),
 * existing symlinks are not followed for members (no --dereference), and a symlink pointing out of
 * the tree is only created once everything else is extracted (tar's placeholder mechanism). The
 * builders below never add the options that turn those off.
 */

export const TAR_METADATA_FLAGS = ['--acls', '--xattrs', '--xattrs-include=*', '--numeric-owner'] as const;

/**
 * For tar reading an archive from a pipe: 1 MiB records instead of 10 KiB (a third less system time
 * for a guest tree), reassembled from short pipe reads. Any archive reads this way, whatever its
 * own record size.
 */
export const TAR_PIPE_READ_FLAGS = ['--blocking-factor=2048', '--read-full-records'] as const;

export interface TarCreateOptions {
  /** The tree to archive; its root becomes the member `.`. */
  dir: string;
  /** Store holes as holes (default true). */
  sparse?: boolean;
  /** Stay on the filesystem of `dir`: nothing mounted below it is archived (default false). */
  oneFileSystem?: boolean;
}

/** argv (with `tar` first) writing the archive of `dir` to stdout. */
export function tarCreateArgv(o: TarCreateOptions): string[] {
  return [
    'tar',
    ...TAR_METADATA_FLAGS,
    ...(o.sparse === false ? [] : ['--sparse']),
    ...(o.oneFileSystem ? ['--one-file-system'] : []),
    '-C',
    o.dir,
    '-cf',
    '-',
    '.',
  ];
}

export interface TarExtractOptions {
  /** The directory to extract into (it must exist). */
  dir: string;
  /** The archive comes through a pipe: read large records, reassembling short reads (default false). */
  pipe?: boolean;
}

/** argv (with `tar` first) extracting an archive read from stdin into `dir`, permissions kept. */
export function tarExtractArgv(o: TarExtractOptions): string[] {
  return ['tar', ...TAR_METADATA_FLAGS, ...(o.pipe ? TAR_PIPE_READ_FLAGS : []), '-xpf', '-', '-C', o.dir];
}
