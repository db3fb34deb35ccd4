/**
 * The hook environment (a stable interface, documented in hooks/README.md). Pure: the caller
 * passes the Ganeti environment record; nothing here reads process.env.
 */
import path from 'node:path';
import { TOOL_PATH } from '../process/runner.js';
import type { Phase } from './discover.js';

/** Variables Ganeti gives the OS scripts, passed through to hooks unchanged. */
const GANETI_VAR =
  /^(OS_|OSP_|INSTANCE_|DISK_|NIC_|EXPORT_|IMPORT_)|^(HYPERVISOR|DEBUG_LEVEL|OLD_INSTANCE_NAME)$/;

export interface HookEnvInput {
  /** The Ganeti script environment (OS_*, OSP_*, INSTANCE_*, DISK_*, NIC_*, ...). */
  ganetiEnv: Readonly<Record<string, string | undefined>>;
  phase: Phase;
  /** OS name (debootstrap) and variant name. */
  os: string;
  variant: string;
  /** The mounted guest root. */
  target: string;
  /** Disk 0 as a block device, and the root filesystem's device. */
  blockdev?: string;
  fsysdev?: string;
  /** Resolved variant values; each becomes GANETI_OS_VAR_<KEY> (lists: one item per line). */
  values?: Readonly<Record<string, unknown>>;
  /** Values for the instance-debootstrap names (SUITE, ARCH, ...) when the provider has them. */
  legacy?: {
    suite?: string;
    arch?: string;
    partitionStyle?: string;
    extraPkgs?: readonly string[];
    mirror?: string;
    proxy?: string;
    components?: readonly string[];
  };
  /** Anything else the provider wants to give its hooks. */
  extra?: Readonly<Record<string, string>>;
}

export interface NicJson {
  index: number;
  mac?: string;
  ip?: string;
  mode?: string;
  link?: string;
  bridge?: string;
  name?: string;
  uuid?: string;
  frontend_type?: string;
  network?: {
    name?: string;
    uuid?: string;
    tags?: string[];
    subnet?: string;
    gateway?: string;
    subnet6?: string;
    gateway6?: string;
    mac_prefix?: string;
  };
}

/** All NICs from NIC_<i>_* variables (NIC_COUNT of them), in index order. */
export function nicsFromEnv(env: Readonly<Record<string, string | undefined>>): NicJson[] {
  const count = Number.parseInt(env['NIC_COUNT'] ?? '0', 10);
  const nics: NicJson[] = [];
  for (let i = 0; i < (Number.isFinite(count) ? count : 0); i++) {
    const get = (k: string): string | undefined => {
      const v = env[`NIC_${i}_${k}`];
      return v === undefined || v === '' ? undefined : v;
    };
    const nic: NicJson = { index: i };
    const fields: [keyof NicJson, string][] = [
      ['mac', 'MAC'],
      ['ip', 'IP'],
      ['mode', 'MODE'],
      ['link', 'LINK'],
      ['bridge', 'BRIDGE'],
      ['name', 'NAME'],
      ['uuid', 'UUID'],
      ['frontend_type', 'FRONTEND_TYPE'],
    ];
    for (const [key, suffix] of fields) {
      const v = get(suffix);
      if (v !== undefined) (nic as unknown as Record<string, string>)[key] = v;
    }
    const net: NonNullable<NicJson['network']> = {};
    const netFields: [keyof typeof net, string][] = [
      ['name', 'NETWORK_NAME'],
      ['uuid', 'NETWORK_UUID'],
      ['subnet', 'NETWORK_SUBNET'],
      ['gateway', 'NETWORK_GATEWAY'],
      ['subnet6', 'NETWORK_SUBNET6'],
      ['gateway6', 'NETWORK_GATEWAY6'],
      ['mac_prefix', 'NETWORK_MAC_PREFIX'],
    ];
    for (const [key, suffix] of netFields) {
      const v = get(suffix);
      if (v !== undefined) (net as Record<string, string>)[key] = v;
    }
    const tags = get('NETWORK_TAGS');
    if (tags !== undefined) net.tags = tags.split(/\s+/).filter(Boolean);
    if (Object.keys(net).length > 0) nic.network = net;
    nics.push(nic);
  }
  return nics;
}

/** `extra-pkgs` -> GANETI_OS_VAR_EXTRA_PKGS */
export function varName(key: string): string {
  return 'GANETI_OS_VAR_' + key.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

function showVar(v: unknown): string {
  if (Array.isArray(v)) return v.join('\n');
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}

/** The environment of the hooks of one phase (without the per-hook HOOKS_DIR/CONFDATA). */
export function buildHookEnv(input: HookEnvInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.ganetiEnv)) {
    if (v !== undefined && GANETI_VAR.test(k)) env[k] = v;
  }
  for (const [k, v] of Object.entries(input.values ?? {})) {
    if (v !== undefined) env[varName(k)] = showVar(v);
  }
  const l = input.legacy ?? {};
  const legacy: Record<string, string | undefined> = {
    SUITE: l.suite,
    ARCH: l.arch,
    PARTITION_STYLE: l.partitionStyle,
    EXTRA_PKGS: l.extraPkgs?.join(','),
    MIRROR: l.mirror,
    PROXY: l.proxy,
    COMPONENTS: l.components?.join(','),
  };
  for (const [k, v] of Object.entries(legacy)) if (v !== undefined) env[k] = v;
  Object.assign(env, input.extra ?? {});
  Object.assign(env, {
    PATH: TOOL_PATH,
    LC_ALL: 'C',
    HOME: '/root',
    TARGET: input.target,
    BLOCKDEV: input.blockdev ?? '',
    FSYSDEV: input.fsysdev ?? '',
    GANETI_OS_PHASE: input.phase,
    GANETI_OS_NAME: input.os,
    GANETI_OS_VARIANT: input.variant,
    NICS_JSON: JSON.stringify(nicsFromEnv(input.ganetiEnv)),
  });
  return env;
}

/** Per-hook additions: its own directory and its confdata/ (instance-debootstrap's example layout). */
export function hookOwnEnv(hookDir: string, hookPath: string): Record<string, string> {
  return { HOOKS_DIR: hookDir, CONFDATA: path.join(hookDir, 'confdata'), GANETI_OS_HOOK: hookPath };
}
