/**
 * The typed environment rendered back to the variables Ganeti passes (the inverse of env.ts): what a
 * hook receives, and what `ganeti-os build` hands a provider as if Ganeti ran it. Which variables
 * appear, and when, follows Ganeti's OSCoreEnv/OSEnvironment; PATH is the process's own and is
 * not part of the typed environment.
 */
import { ospVariables } from './osp.js';
import type { BackendType, DiskInfo, InstanceInfo, NicInfo, ScriptEnv, StreamTarget } from './types.js';

type Vars = Record<string, string>;

/** DISK_<i>_BACKEND_TYPE as Ganeti writes it: `block`, `file:<driver>` (e.g. `file:loop`). */
export function backendTypeString(bt: BackendType): string {
  switch (bt.kind) {
    case 'block':
      return 'block';
    case 'file':
      return `file:${bt.driver}`;
    case 'other':
      return bt.raw;
  }
}

function set(out: Vars, name: string, value: string | number | undefined): void {
  if (value !== undefined) out[name] = String(value);
}

function disk(out: Vars, d: DiskInfo): void {
  const p = `DISK_${d.index}_`;
  out[`${p}ACCESS`] = d.access;
  out[`${p}UUID`] = d.uuid;
  out[`${p}SIZE`] = String(d.sizeMiB);
  set(out, `${p}PATH`, d.path);
  set(out, `${p}URI`, d.uri);
  set(out, `${p}NAME`, d.name);
  set(out, `${p}FRONTEND_TYPE`, d.frontendType);
  if (d.backendType) out[`${p}BACKEND_TYPE`] = backendTypeString(d.backendType);
}

function nic(out: Vars, n: NicInfo): void {
  const p = `NIC_${n.index}_`;
  out[`${p}MAC`] = n.mac;
  out[`${p}UUID`] = n.uuid;
  out[`${p}MODE`] = n.mode;
  set(out, `${p}NAME`, n.name);
  set(out, `${p}IP`, n.ip);
  set(out, `${p}LINK`, n.link);
  set(out, `${p}BRIDGE`, n.bridge);
  set(out, `${p}FRONTEND_TYPE`, n.frontendType);
  const net = n.network;
  if (!net) return;
  set(out, `${p}NETWORK_NAME`, net.name);
  set(out, `${p}NETWORK_UUID`, net.uuid);
  out[`${p}NETWORK_TAGS`] = net.tags.join(' ');
  set(out, `${p}NETWORK_SUBNET`, net.subnet);
  set(out, `${p}NETWORK_GATEWAY`, net.gateway);
  set(out, `${p}NETWORK_SUBNET6`, net.subnet6);
  set(out, `${p}NETWORK_GATEWAY6`, net.gateway6);
  set(out, `${p}NETWORK_MAC_PREFIX`, net.macPrefix);
}

function instance(out: Vars, i: InstanceInfo): void {
  out.INSTANCE_NAME = i.name;
  out.INSTANCE_OS = i.os;
  set(out, 'INSTANCE_UUID', i.uuid);
  set(out, 'INSTANCE_CTIME', i.ctime);
  set(out, 'INSTANCE_MTIME', i.mtime);
  set(out, 'INSTANCE_PRIMARY_NODE', i.primaryNode);
  out.INSTANCE_SECONDARY_NODES = i.secondaryNodes.join(' ');
  set(out, 'HYPERVISOR', i.hypervisor);
  for (const [k, v] of Object.entries(i.hv)) out[`INSTANCE_HV_${k}`] = v;
  for (const [k, v] of Object.entries(i.be)) out[`INSTANCE_BE_${k}`] = v;
  out.DISK_COUNT = String(i.disks.length);
  for (const d of i.disks) disk(out, d);
  out.NIC_COUNT = String(i.nics.length);
  for (const n of i.nics) nic(out, n);
  if (i.reinstall) out.INSTANCE_REINSTALL = '1';
}

function stream(out: Vars, kind: 'EXPORT' | 'IMPORT', t: StreamTarget): void {
  out[`${kind}_INDEX`] = String(t.index);
  out[`${kind}_DEVICE`] = t.device;
  set(out, `${kind}_DISK_PATH`, t.diskPath);
  set(out, `${kind}_DISK_URI`, t.diskUri);
  set(out, 'EXP_SIZE_FD', t.sizeFd);
}

/** The variables of one script run, exactly those Ganeti would set for this environment. */
export function renderGanetiEnv(env: ScriptEnv): Vars {
  const out: Vars = {
    OS_API_VERSION: String(env.os.apiVersion),
    OS_NAME: env.os.name,
    OS_VARIANT: env.os.variant,
    DEBUG_LEVEL: String(env.os.debugLevel),
    ...ospVariables(env.os.params),
  };
  if (env.instance) instance(out, env.instance);
  if (env.export) stream(out, 'EXPORT', env.export);
  if (env.import) stream(out, 'IMPORT', env.import);
  set(out, 'OLD_INSTANCE_NAME', env.oldName);
  return out;
}
