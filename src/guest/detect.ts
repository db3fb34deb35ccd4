/**
 * What the guest tree has, read safely (symlinks resolved inside the guest only). Planners take these
 * facts as input, so they stay pure and the decision is visible in one place.
 */
import type { GuestFamily } from './family.js';
import { guestPathKind, resolveInGuest, targetRoot } from './guest-path.js';
import type { NetworkStack } from './network/index.js';

export interface GuestFacts {
  init: 'systemd' | 'sysvinit' | 'unknown';
  network: NetworkStack;
  /** Directory of packaged systemd units as seen in the guest (/usr/lib/systemd/system or /lib/...). */
  systemdUnitDir: string;
  /** An OpenSSH server is installed. */
  sshd: boolean;
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

/** `family` refines what the generic checks cannot see (Debian: ifupdown by its dpkg lists). */
export async function detectGuest(
  target: string,
  family?: Pick<GuestFamily, 'detectNetwork'>,
): Promise<GuestFacts> {
  const ifupdown =
    (await family?.detectNetwork?.(target)) === 'ifupdown' ||
    (await exists(target, ['/usr/sbin/ifup', '/sbin/ifup']));
  const usrUnits = await exists(target, ['/usr/lib/systemd/system']);
  const systemdUnitDir = usrUnits ? '/usr/lib/systemd/system' : '/lib/systemd/system';
  const init = await detectInit(target);
  const sshd = await exists(target, ['/usr/sbin/sshd', '/etc/ssh/sshd_config']);
  return { init, network: ifupdown ? 'ifupdown' : 'networkd', systemdUnitDir, sshd };
}
