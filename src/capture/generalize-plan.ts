/**
 * What --generalize resets in a captured guest, so that every clone of the image becomes an
 * individual on its first boot (pure): /etc/machine-id emptied (systemd makes a new one),
 * /var/lib/dbus/machine-id removed, ssh host keys removed (the deploy makes new ones), logs below
 * /var/log truncated (rotated and journal files removed), persistent network rules and random
 * seeds removed. Owners and modes of the files kept are kept.
 */
import type { GuestEntry } from '../guest/types.js';

export interface FileFacts {
  /** Guest path, e.g. /var/log/syslog. */
  path: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
}

export interface GeneralizeFacts {
  /** /etc/machine-id when it is a regular file. */
  machineId: FileFacts | undefined;
  /** Names in /etc/ssh. */
  sshNames: readonly string[];
  /** Regular files below /var/log (guest paths, symlinks not followed). */
  logs: readonly FileFacts[];
}

/** Files removed outright, wherever they exist. */
export const GENERALIZE_REMOVE = [
  '/var/lib/dbus/machine-id',
  '/etc/udev/rules.d/70-persistent-net.rules',
  '/var/lib/systemd/random-seed',
  '/var/lib/urandom/random-seed',
] as const;

const HOST_KEY = /^ssh_host_[A-Za-z0-9]+_key(\.pub)?$/;

/** A rotated log or a journal file: removed rather than truncated. */
export function isRotatedLog(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return /\.(\d+|gz|xz|bz2|zst|old)$/.test(name) || /\.journal~?$/.test(name) || /-\d{8}$/.test(name);
}

export function planGeneralize(f: GeneralizeFacts): GuestEntry[] {
  const entries: GuestEntry[] = [];
  if (f.machineId && f.machineId.size > 0) {
    entries.push({
      kind: 'file',
      path: '/etc/machine-id',
      content: '',
      mode: f.machineId.mode & 0o7777,
      owner: { uid: f.machineId.uid, gid: f.machineId.gid },
    });
  }
  for (const path of GENERALIZE_REMOVE) entries.push({ kind: 'remove', path });
  for (const name of [...f.sshNames].sort())
    if (HOST_KEY.test(name)) entries.push({ kind: 'remove', path: `/etc/ssh/${name}` });
  for (const log of f.logs) {
    if (isRotatedLog(log.path)) entries.push({ kind: 'remove', path: log.path });
    else if (log.size > 0)
      entries.push({
        kind: 'file',
        path: log.path,
        content: '',
        mode: log.mode & 0o7777,
        owner: { uid: log.uid, gid: log.gid },
      });
  }
  return entries;
}
