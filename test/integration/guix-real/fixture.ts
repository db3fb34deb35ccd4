/**
 * Instances for the real-guix tests, built the way the provider gets them: a Ganeti 3.0 create
 * environment (the captured one, with NICs, networks and hypervisor settings added) parsed by
 * src/ganeti/env.ts, then the guix provider's instanceFacts and renderInstanceData. The shipped
 * configurations and the ganeti-os library are found by the provider's own lookup in this
 * package's variants (no admin directory), so the tests evaluate what ships.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFileOf, libraryFileOf } from '../../../providers/guix/files.js';
import { guixSchema, guixVariant } from '../../../providers/guix/schema.js';
import { defaultsOf } from '../../../src/config/schema.js';
import type { InstanceInfo } from '../../../src/ganeti/types.js';
import { loadEnv } from '../../../src/ganeti/__fixtures__/load.js';
import { parseScriptEnv } from '../../../src/ganeti/env.js';
import type { NicSpec as NicEnv } from '../debootstrap/fixture.js';

/** The package as the provider sees it installed, with an empty admin configuration directory. */
const PATHS = {
  osDir: '/nonexistent/os',
  configDir: '/nonexistent/instance-guix',
  shareDir: join(import.meta.dirname, '../../..'),
  cacheDir: '/nonexistent/cache',
};

/** The text of the shipped configuration of variant `name` (default, server). */
export function shippedConfig(name: string): string {
  return readFileSync(configFileOf(guixVariant(defaultsOf(guixSchema)), name, [], PATHS), 'utf8');
}

/** The text of the shipped ganeti-os library. */
export function shippedLibrary(): string {
  return readFileSync(libraryFileOf(PATHS), 'utf8');
}

/** Ganeti's create environment for an instance with these NICs and hypervisor settings. */
export function ganetiInstance(o: {
  name: string;
  nics: NicEnv[];
  hypervisor?: string;
  hv?: Record<string, string>;
}): InstanceInfo {
  const extra: Record<string, string> = {
    INSTANCE_NAME: o.name,
    INSTANCE_OS: 'guix+default',
    OS_NAME: 'guix',
    OS_VARIANT: 'default',
    HYPERVISOR: o.hypervisor ?? 'kvm',
    NIC_COUNT: String(o.nics.length),
  };
  for (const [k, v] of Object.entries(o.hv ?? {})) extra[`INSTANCE_HV_${k}`] = v;
  o.nics.forEach((n, i) => {
    const p = `NIC_${i}_`;
    Object.assign(extra, {
      [`${p}MAC`]: n.mac,
      [`${p}UUID`]: `00000000-0000-4000-8000-00000000000${i}`,
      [`${p}MODE`]: 'bridged',
      [`${p}LINK`]: 'gntbr0',
      [`${p}BRIDGE`]: 'gntbr0',
    });
    if (n.ip) extra[`${p}IP`] = n.ip;
    if (n.subnet || n.subnet6) {
      Object.assign(extra, { [`${p}NETWORK_NAME`]: `net${i}`, [`${p}NETWORK_TAGS`]: '' });
      if (n.subnet) extra[`${p}NETWORK_SUBNET`] = n.subnet;
      if (n.gateway) extra[`${p}NETWORK_GATEWAY`] = n.gateway;
      if (n.subnet6) extra[`${p}NETWORK_SUBNET6`] = n.subnet6;
      if (n.gateway6) extra[`${p}NETWORK_GATEWAY6`] = n.gateway6;
    }
  });
  // the captured environment has one NIC: drop what the new count does not cover
  const env = Object.fromEntries(
    Object.entries(loadEnv('ganeti-3.0-create.env', extra)).filter(
      ([k]) => o.nics.length > 0 || !k.startsWith('NIC_0_'),
    ),
  );
  const parsed = parseScriptEnv('create', env);
  return parsed.instance!;
}

export const ROOT_UUID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
export const HOME_UUID = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
export const SWAP_UUID = '11111111-2222-4333-8444-555555555555';
export const LUKS_UUID = '22222222-3333-4444-8555-666666666666';
export const ESP_UUID = 'ABCD-1234';
