/**
 * /etc/resolv.conf from the NICs' DNS settings: the resolvers of every NIC in NIC order (each once)
 * and the search list (the domain first). Written only when some NIC has DNS settings, and never
 * over a symlink: a guest whose resolv.conf is a link (systemd-resolved's stub, resolvconf) manages
 * the file itself from the network configuration, which carries the same settings.
 */
import { readlink } from 'node:fs/promises';
import type { Logger } from '../../runtime/logger.js';
import { resolveInGuest, targetRoot } from '../guest-path.js';
import { MANAGED_HEADER } from '../template.js';
import type { GuestFile, GuestNic } from '../types.js';
import { writeGuestFiles } from '../writer.js';
import { planNics, type NicPlan } from './model.js';

export const RESOLV_CONF = '/etc/resolv.conf';

/** The resolv.conf for these plans; undefined when none has DNS settings. Pure. */
export function planResolvConf(plans: readonly NicPlan[]): GuestFile | undefined {
  const servers = [...new Set(plans.flatMap((p) => p.dns?.servers ?? []))];
  const search = [...new Set(plans.flatMap((p) => p.dns?.search ?? []))];
  if (servers.length === 0 && search.length === 0) return undefined;
  const domain = plans.find((p) => p.dns?.domain)?.dns?.domain;
  const lines = [MANAGED_HEADER];
  // `domain` and `search` exclude each other (the last one wins): a search list starts with the domain.
  if (domain && search.length === 1) lines.push(`domain ${domain}`);
  else if (search.length > 0) lines.push(`search ${search.join(' ')}`);
  for (const s of servers) lines.push(`nameserver ${s}`);
  return { kind: 'file', path: RESOLV_CONF, content: `${lines.join('\n')}\n`, mode: 0o644 };
}

/**
 * Write /etc/resolv.conf for `nics` when they have DNS settings; a symlink there is left as it is
 * (one line in the log). Returns whether the file was written.
 */
export async function writeResolvConf(
  target: string,
  nics: readonly GuestNic[],
  log: Pick<Logger, 'info'>,
): Promise<boolean> {
  const file = planResolvConf(planNics(nics));
  if (!file) return false;
  const r = await resolveInGuest(await targetRoot(target), RESOLV_CONF, { followFinal: false });
  if (r.stat?.isSymbolicLink()) {
    const to = (await readlink(r.hostPath)).replace(/[^\x20-\x7e]/g, '?');
    log.info(
      `${RESOLV_CONF} is a symlink (to ${to}): left as it is; the DNS settings are in the network configuration`,
    );
    return false;
  }
  await writeGuestFiles(target, [file]);
  return true;
}
