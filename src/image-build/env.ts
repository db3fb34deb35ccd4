/**
 * The Ganeti environment `ganeti-os build` hands a provider: what `gnt-instance add` would pass for
 * a one-disk, one-NIC KVM instance with a serial console, the disk being the output file. Built as
 * the typed environment and rendered like every Ganeti environment (renderGanetiEnv). Pure.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ospKey } from '../ganeti/osp.js';
import { renderGanetiEnv } from '../ganeti/render-env.js';
import type { InstanceInfo } from '../ganeti/types.js';

export interface BuildEnvInput {
  os: string;
  variant: string;
  name: string;
  disk: string;
  sizeMiB: number;
  /** OS parameters by name (`dns-server`), as given with -O. */
  params: Record<string, string>;
  debug: boolean;
  mac?: string;
}

function randomMac(): string {
  const b = randomBytes(3);
  return `aa:00:00:${[...b].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
}

function buildInstance(i: BuildEnvInput): InstanceInfo {
  const now = (Date.now() / 1000).toFixed(6);
  return {
    name: i.name,
    os: i.variant ? `${i.os}+${i.variant}` : i.os,
    uuid: randomUUID(),
    ctime: now,
    mtime: now,
    primaryNode: 'ganeti-os-build',
    secondaryNodes: [],
    hypervisor: 'kvm',
    hv: { serial_console: 'True', serial_speed: '115200' },
    be: { maxmem: '1024', minmem: '1024', vcpus: '1' },
    disks: [
      {
        index: 0,
        path: i.disk,
        access: 'rw',
        sizeMiB: i.sizeMiB,
        uuid: randomUUID(),
        backendType: { kind: 'file', driver: 'loop' },
      },
    ],
    nics: [{ index: 0, mac: i.mac ?? randomMac(), uuid: randomUUID(), mode: 'bridged' }],
    reinstall: false,
  };
}

/** The variables of a `create` run onto the build's disk file. */
export function buildEnv(i: BuildEnvInput): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(i.params)) params[ospKey(k)] = v;
  return renderGanetiEnv({
    script: 'create',
    os: { apiVersion: 20, name: i.os, variant: i.variant, debugLevel: i.debug ? 1 : 0, params },
    instance: buildInstance(i),
  });
}

/** `-O key=value,key2=value2` (Ganeti's syntax) and repeated -O into one map. */
export function parseOsParams(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    for (const part of item.split(/,(?=[a-z][a-z0-9_-]*=)/)) {
      const i = part.indexOf('=');
      if (i <= 0) throw new Error(`-O ${part}: expected key=value`);
      out[part.slice(0, i)] = part.slice(i + 1);
    }
  }
  return out;
}
