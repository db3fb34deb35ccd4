/** The Ganeti OS API environment, typed. Produced by ganeti/env.ts, consumed by everything else. */

export type ScriptName = 'create' | 'import' | 'export' | 'rename' | 'verify';
export const SCRIPT_NAMES: readonly ScriptName[] = ['create', 'import', 'export', 'rename', 'verify'];
export type ApiVersion = 10 | 15 | 20;
export const API_VERSIONS: readonly ApiVersion[] = [20, 15, 10];

export type BackendType =
  { kind: 'block' } | { kind: 'file'; driver: string } | { kind: 'other'; raw: string };

export interface DiskInfo {
  index: number;
  /** Size in MiB. */
  sizeMiB: number;
  access: 'rw' | 'ro';
  uuid: string;
  path?: string;
  uri?: string;
  name?: string;
  frontendType?: string;
  backendType?: BackendType;
}

export interface NetworkInfo {
  name?: string;
  uuid?: string;
  tags: string[];
  subnet?: string;
  gateway?: string;
  subnet6?: string;
  gateway6?: string;
  macPrefix?: string;
  /** Not from Ganeti: the DNS a provider's own files give for this network (instance-image's subnets). */
  dns?: NetworkDns;
}

/** DNS settings for a network: resolvers, the domain and the search list. */
export interface NetworkDns {
  servers: readonly string[];
  search: readonly string[];
  domain?: string;
}

export interface NicInfo {
  index: number;
  mac: string;
  uuid: string;
  mode: string;
  name?: string;
  ip?: string;
  link?: string;
  bridge?: string;
  frontendType?: string;
  network?: NetworkInfo;
}

export interface OsInfo {
  apiVersion: ApiVersion;
  /** Base name of the OS (the directory), e.g. `debootstrap`. */
  name: string;
  /** Selected variant, '' when the OS has none. */
  variant: string;
  debugLevel: number;
  /** Raw OSP_* values keyed by the env suffix (`OSP_DNS_SERVER` -> `DNS_SERVER`). Empty values are dropped. */
  params: Record<string, string>;
}

export interface InstanceInfo {
  name: string;
  /** Full `name+variant` as Ganeti stores it. */
  os: string;
  uuid?: string;
  ctime?: string;
  mtime?: string;
  primaryNode?: string;
  secondaryNodes: string[];
  hypervisor?: string;
  /** INSTANCE_HV_<key> with the key's own (lowercase) name. */
  hv: Record<string, string>;
  /** INSTANCE_BE_<key>. */
  be: Record<string, string>;
  disks: DiskInfo[];
  nics: NicInfo[];
  /** INSTANCE_REINSTALL=1 */
  reinstall: boolean;
}

export interface StreamTarget {
  index: number;
  device: string;
  diskPath?: string;
  diskUri?: string;
  /** EXP_SIZE_FD, when given. */
  sizeFd?: number;
}

export interface ScriptEnv {
  script: ScriptName;
  os: OsInfo;
  /** Absent only for verify. */
  instance?: InstanceInfo;
  export?: StreamTarget;
  import?: StreamTarget;
  /** rename: OLD_INSTANCE_NAME */
  oldName?: string;
}
