/**
 * The Ganeti environment `ganeti-os build` hands a provider: what `gnt-instance add` would pass for
 * a one-disk, one-NIC KVM instance with a serial console, the disk being the output file. Pure.
 */
import { randomBytes, randomUUID } from 'node:crypto';

export interface BuildEnvInput {
  os: string;
  variant: string;
  name: string;
  disk: string;
  sizeMiB: number;
  params: Record<string, string>;
  debug: boolean;
  mac?: string;
}

export function randomMac(): string {
  const b = randomBytes(3);
  return `aa:00:00:${[...b].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
}

export function buildEnv(i: BuildEnvInput): Record<string, string> {
  const now = (Date.now() / 1000).toFixed(6);
  const env: Record<string, string> = {
    OS_API_VERSION: '20',
    OS_NAME: i.os,
    OS_VARIANT: i.variant,
    DEBUG_LEVEL: i.debug ? '1' : '0',
    INSTANCE_NAME: i.name,
    INSTANCE_OS: i.variant ? `${i.os}+${i.variant}` : i.os,
    INSTANCE_UUID: randomUUID(),
    INSTANCE_CTIME: now,
    INSTANCE_MTIME: now,
    INSTANCE_PRIMARY_NODE: 'ganeti-os-build',
    INSTANCE_SECONDARY_NODES: '',
    HYPERVISOR: 'kvm',
    INSTANCE_HV_serial_console: 'True',
    INSTANCE_HV_serial_speed: '115200',
    INSTANCE_BE_maxmem: '1024',
    INSTANCE_BE_minmem: '1024',
    INSTANCE_BE_vcpus: '1',
    DISK_COUNT: '1',
    DISK_0_PATH: i.disk,
    DISK_0_ACCESS: 'rw',
    DISK_0_SIZE: String(i.sizeMiB),
    DISK_0_UUID: randomUUID(),
    DISK_0_BACKEND_TYPE: 'file:loop',
    NIC_COUNT: '1',
    NIC_0_MAC: i.mac ?? randomMac(),
    NIC_0_UUID: randomUUID(),
    NIC_0_MODE: 'bridged',
  };
  for (const [k, v] of Object.entries(i.params)) env[`OSP_${k.toUpperCase().replace(/-/g, '_')}`] = v;
  return env;
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
