/**
 * The hook environment (a stable interface, documented in hooks/README.md). Pure: the caller
 * passes the Ganeti environment record; nothing here reads process.env.
 */
import path from 'node:path';
import type { NicInfo } from '../ganeti/types.js';
import { TOOL_PATH } from '../process/tool-path.js';
import type { Phase } from './discover.js';

/** Variables Ganeti gives the OS scripts, passed through to hooks unchanged. */
const GANETI_VAR =
  /^(OS_|OSP_|INSTANCE_|DISK_|NIC_|EXPORT_|IMPORT_)|^(HYPERVISOR|DEBUG_LEVEL|OLD_INSTANCE_NAME)$/;

export interface HookEnvInput {
  /** The Ganeti script environment as Ganeti passes it (OS_*, OSP_*, INSTANCE_*, DISK_*, NIC_*, ...). */
  ganetiVars: Readonly<Record<string, string>>;
  /** The instance's NICs, for NICS_JSON. */
  nics: readonly NicInfo[];
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
  /** What the provider gives its hooks besides (instance-debootstrap's SUITE, ARCH, ...). */
  extra?: Readonly<Record<string, string>>;
  /**
   * Variables the peer's shell configuration exports (its hooks saw them): below everything else,
   * so they never override Ganeti's variables or ours.
   */
  inherited?: Readonly<Record<string, string>>;
}

/** One NIC as NICS_JSON carries it (Ganeti's own field names). */
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

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;
}

export function nicJson(n: NicInfo): NicJson {
  const net = n.network
    ? defined({
        name: n.network.name,
        uuid: n.network.uuid,
        ...(n.network.tags.length > 0 ? { tags: n.network.tags } : {}),
        subnet: n.network.subnet,
        gateway: n.network.gateway,
        subnet6: n.network.subnet6,
        gateway6: n.network.gateway6,
        mac_prefix: n.network.macPrefix,
      })
    : {};
  return {
    index: n.index,
    ...defined({
      mac: n.mac,
      ip: n.ip,
      mode: n.mode,
      link: n.link,
      bridge: n.bridge,
      name: n.name,
      uuid: n.uuid,
      frontend_type: n.frontendType,
    }),
    ...(Object.keys(net).length > 0 ? { network: net } : {}),
  };
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
  const env: Record<string, string> = { ...input.inherited };
  for (const [k, v] of Object.entries(input.ganetiVars)) if (GANETI_VAR.test(k)) env[k] = v;
  for (const [k, v] of Object.entries(input.values ?? {})) {
    if (v !== undefined) env[varName(k)] = showVar(v);
  }
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
    NICS_JSON: JSON.stringify(input.nics.map(nicJson)),
  });
  return env;
}

/** Per-hook additions: its own directory and its confdata/ (instance-debootstrap's example layout). */
export function hookOwnEnv(hookDir: string, hookPath: string): Record<string, string> {
  return { HOOKS_DIR: hookDir, CONFDATA: path.join(hookDir, 'confdata'), GANETI_OS_HOOK: hookPath };
}
