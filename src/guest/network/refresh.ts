/**
 * After an import the guest's network files still describe the exported instance's NICs (their
 * MACs, their count); Ganeti gives an imported instance new MACs. Remove the NIC files ganeti-os
 * wrote (recognised by their header or their `10-ganeti-` name) and write them again from this
 * instance's NICs.
 */
import { detectGuest, type GuestFacts } from '../detect.js';
import { readGuestDir, readGuestFile } from '../guest-path.js';
import { writeGuestFiles } from '../writer.js';
import { planNetwork } from './index.js';
import type { GuestEntry } from '../types.js';
import { MANAGED_HEADER } from '../template.js';
import type { InstanceInfo } from '../../ganeti/types.js';

export async function refreshNetwork(
  target: string,
  instance: InstanceInfo,
  network: 'auto' | 'ifupdown' | 'networkd' | 'none',
  detect: (target: string) => Promise<Pick<GuestFacts, 'network' | 'systemdUnitDir'>> = detectGuest,
): Promise<void> {
  if (network === 'none') return;
  const stale: GuestEntry[] = [];
  for (const { name } of await readGuestDir(target, '/etc/systemd/network')) {
    if (/^10-ganeti-.+\.(link|network)$/.test(name))
      stale.push({ kind: 'remove', path: `/etc/systemd/network/${name}` });
  }
  for (const { name } of await readGuestDir(target, '/etc/network/interfaces.d')) {
    const text = await readGuestFile(target, `/etc/network/interfaces.d/${name}`);
    if (text?.startsWith(MANAGED_HEADER))
      stale.push({ kind: 'remove', path: `/etc/network/interfaces.d/${name}` });
  }
  const facts = await detect(target);
  const stack = network === 'ifupdown' || network === 'networkd' ? network : facts.network;
  await writeGuestFiles(target, [
    ...stale,
    ...planNetwork(instance.nics, { stack, systemdUnitDir: facts.systemdUnitDir }),
  ]);
}
