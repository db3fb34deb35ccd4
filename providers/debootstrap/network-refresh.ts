/**
 * After an import the guest's network files still describe the exported instance's NICs (their
 * MACs, their count); Ganeti gives an imported instance new MACs. Remove the NIC files ganeti-os
 * wrote (recognised by their header or their `10-ganeti-` name) and write them again from this
 * instance's NICs.
 */
import { readdir } from 'node:fs/promises';
import { detectGuest, planNetwork, readGuestFile, resolveInGuest, targetRoot, writeGuestFiles } from '../../src/guest/index.js';
import type { GuestEntry } from '../../src/guest/types.js';
import { MANAGED_HEADER } from '../../src/guest/template.js';
import type { InstanceInfo } from '../../src/ganeti/types.js';
import type { DebootstrapVariant } from './schema.js';

async function guestDirEntries(target: string, dir: string): Promise<string[]> {
  const r = await resolveInGuest(await targetRoot(target), dir);
  if (!r.stat?.isDirectory()) return [];
  return readdir(r.hostPath);
}

export async function refreshNetwork(target: string, instance: InstanceInfo, v: DebootstrapVariant): Promise<void> {
  if (v.network === 'none') return;
  const stale: GuestEntry[] = [];
  for (const name of await guestDirEntries(target, '/etc/systemd/network')) {
    if (/^10-ganeti-.+\.(link|network)$/.test(name)) stale.push({ kind: 'remove', path: `/etc/systemd/network/${name}` });
  }
  for (const name of await guestDirEntries(target, '/etc/network/interfaces.d')) {
    const text = await readGuestFile(target, `/etc/network/interfaces.d/${name}`);
    if (text?.startsWith(MANAGED_HEADER)) stale.push({ kind: 'remove', path: `/etc/network/interfaces.d/${name}` });
  }
  const facts = await detectGuest(target);
  const stack = v.network === 'ifupdown' || v.network === 'networkd' ? v.network : facts.network;
  await writeGuestFiles(target, [...stale, ...planNetwork(instance.nics, { stack, systemdUnitDir: facts.systemdUnitDir })]);
}
