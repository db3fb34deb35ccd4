/**
 * Where ganeti-os lives on a node unless an option says otherwise. Constants only: the manifest
 * reader of the script entry uses them.
 */
export const DEFAULTS = {
  /** Ganeti's default OS search directory (the first of `os_search_path`). */
  osDir: '/srv/ganeti/os',
  /** The installed bundle (script entry, chunks, stock hooks and variants). */
  libDir: '/usr/local/lib/ganeti-os',
  /** Parent of the instance-<os> configuration directories (instance-debootstrap's place). */
  configRoot: '/etc/ganeti',
  /** Parent of the per-provider cache directories. */
  cacheRoot: '/var/cache/ganeti-os',
} as const;
