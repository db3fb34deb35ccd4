/**
 * What the guest tree has, read safely (symlinks resolved inside the guest only). Planners take these
 * facts as input, so they stay pure and the decision is visible in one place.
 */
import { guestPathKind, readGuestFile, resolveInGuest, targetRoot } from './guest-path.js';
import type { NetworkStack } from './network/index.js';

export interface GuestFacts {
  init: 'systemd' | 'sysvinit' | 'unknown';
  network: NetworkStack;
  /** Directory of packaged systemd units as seen in the guest (/usr/lib/systemd/system or /lib/...). */
  systemdUnitDir: string;
  /** An OpenSSH server is installed. */
  sshd: boolean;
  /** The Debian release from /etc/debian_version, when present. */
  debianVersion?: string;
}

async function exists(target: string, paths: readonly string[]): Promise<boolean> {
  for (const p of paths) if ((await guestPathKind(target, p)) !== undefined) return true;
  return false;
}

/** systemd when /sbin/init leads to systemd (or there is no /sbin/init but systemd is installed). */
async function detectInit(target: string): Promise<GuestFacts['init']> {
  const root = await targetRoot(target);
  const sbinInit = await resolveInGuest(root, '/sbin/init', { followFinal: true });
  if (sbinInit.stat?.isFile()) return sbinInit.guestPath.endsWith('/systemd') ? 'systemd' : 'sysvinit';
  if (await exists(target, ['/usr/lib/systemd/systemd', '/lib/systemd/systemd'])) return 'systemd';
  if (await exists(target, ['/etc/inittab'])) return 'sysvinit';
  return 'unknown';
}

export async function detectGuest(target: string): Promise<GuestFacts> {
  const ifupdown = await exists(target, [
    '/var/lib/dpkg/info/ifupdown.list',
    '/var/lib/dpkg/info/ifupdown2.list',
    '/usr/sbin/ifup',
    '/sbin/ifup',
  ]);
  const usrUnits = await exists(target, ['/usr/lib/systemd/system']);
  const systemdUnitDir = usrUnits ? '/usr/lib/systemd/system' : '/lib/systemd/system';
  const init = await detectInit(target);
  const sshd = await exists(target, ['/usr/sbin/sshd', '/etc/ssh/sshd_config']);
  const facts: GuestFacts = { init, network: ifupdown ? 'ifupdown' : 'networkd', systemdUnitDir, sshd };
  const dv = (await readGuestFile(target, '/etc/debian_version'))?.trim();
  if (dv) facts.debianVersion = dv;
  return facts;
}
