/**
 * Parse and validate the environment Ganeti passes to an OS script (API 10, 15 and 20). Every
 * problem is collected and reported at once, one line each. Only this module reads process.env.
 */
import { OsError, OsErrors } from '../runtime/errors.js';
import { access, apiVersion, check, cidr, ipAddress, mac, nonNegativeInt } from './fields.js';
import { ospParams } from './osp.js';
import type {
  BackendType,
  DiskInfo,
  InstanceInfo,
  NetworkInfo,
  NicInfo,
  OsInfo,
  ScriptEnv,
  ScriptName,
  StreamTarget,
} from './types.js';

type Env = Readonly<Record<string, string | undefined>>;

class Collector {
  readonly problems: OsError[] = [];
  constructor(private readonly env: Env) {}

  add(variable: string, message: string, hint?: string): void {
    this.problems.push(
      new OsError('E_ENV', `${variable} ${message}`, {
        hint: hint ?? 'Ganeti sets this; check the Ganeti version and the OS API version declared',
      }),
    );
  }

  opt(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  req(name: string, why = ''): string | undefined {
    const value = this.env[name];
    if (value === undefined) {
      this.add(name, `is missing${why ? ` (${why})` : ''}`);
      return undefined;
    }
    return value;
  }

  parse<T>(name: string, schema: Parameters<typeof check<T>>[0], raw: string | undefined): T | undefined {
    if (raw === undefined) return undefined;
    const r = check(schema, raw);
    if (r.ok) return r.value;
    this.add(name, `${r.message} (got ${JSON.stringify(raw)})`);
    return undefined;
  }
}

function parseBackend(raw: string): BackendType {
  if (raw === 'block') return { kind: 'block' };
  if (raw.startsWith('file:')) return { kind: 'file', driver: raw.slice(5) };
  return { kind: 'other', raw };
}

function parseDisks(c: Collector): DiskInfo[] {
  const count = c.parse('DISK_COUNT', nonNegativeInt, c.req('DISK_COUNT'));
  const disks: DiskInfo[] = [];
  for (let i = 0; i < (count ?? 0); i++) {
    const p = `DISK_${i}_`;
    const sizeRaw = c.opt(`${p}SIZE`);
    const disk: DiskInfo = {
      index: i,
      sizeMiB: c.parse(`${p}SIZE`, nonNegativeInt, sizeRaw) ?? 0,
      access: c.parse(`${p}ACCESS`, access, c.opt(`${p}ACCESS`) ?? 'rw') ?? 'rw',
      uuid: c.opt(`${p}UUID`) ?? '',
    };
    const path = c.opt(`${p}PATH`);
    const uri = c.opt(`${p}URI`);
    if (path !== undefined) disk.path = path;
    if (uri !== undefined) disk.uri = uri;
    if (path !== undefined && !path.startsWith('/'))
      c.add(`${p}PATH`, `must be an absolute path (got ${JSON.stringify(path)})`);
    const name = c.opt(`${p}NAME`);
    if (name !== undefined) disk.name = name;
    const fe = c.opt(`${p}FRONTEND_TYPE`);
    if (fe !== undefined) disk.frontendType = fe;
    const be = c.opt(`${p}BACKEND_TYPE`);
    if (be !== undefined) disk.backendType = parseBackend(be);
    disks.push(disk);
  }
  return disks;
}

function parseNetwork(c: Collector, p: string): NetworkInfo | undefined {
  const fields = ['NAME', 'UUID', 'TAGS', 'SUBNET', 'GATEWAY', 'SUBNET6', 'GATEWAY6', 'MAC_PREFIX'];
  if (!fields.some((f) => c.opt(`${p}NETWORK_${f}`) !== undefined)) return undefined;
  const net: NetworkInfo = { tags: (c.opt(`${p}NETWORK_TAGS`) ?? '').split(/\s+/).filter(Boolean) };
  const name = c.opt(`${p}NETWORK_NAME`);
  if (name !== undefined) net.name = name;
  const uuid = c.opt(`${p}NETWORK_UUID`);
  if (uuid !== undefined) net.uuid = uuid;
  const subnet = c.parse(`${p}NETWORK_SUBNET`, cidr, c.opt(`${p}NETWORK_SUBNET`));
  if (subnet !== undefined) net.subnet = subnet;
  const gw = c.parse(`${p}NETWORK_GATEWAY`, ipAddress, c.opt(`${p}NETWORK_GATEWAY`));
  if (gw !== undefined) net.gateway = gw;
  const subnet6 = c.parse(`${p}NETWORK_SUBNET6`, cidr, c.opt(`${p}NETWORK_SUBNET6`));
  if (subnet6 !== undefined) net.subnet6 = subnet6;
  const gw6 = c.parse(`${p}NETWORK_GATEWAY6`, ipAddress, c.opt(`${p}NETWORK_GATEWAY6`));
  if (gw6 !== undefined) net.gateway6 = gw6;
  const prefix = c.opt(`${p}NETWORK_MAC_PREFIX`);
  if (prefix !== undefined) net.macPrefix = prefix;
  return net;
}

function parseNics(c: Collector): NicInfo[] {
  const count = c.parse('NIC_COUNT', nonNegativeInt, c.req('NIC_COUNT'));
  const nics: NicInfo[] = [];
  for (let i = 0; i < (count ?? 0); i++) {
    const p = `NIC_${i}_`;
    const nic: NicInfo = {
      index: i,
      mac: c.parse(`${p}MAC`, mac, c.req(`${p}MAC`)) ?? '',
      uuid: c.opt(`${p}UUID`) ?? '',
      mode: c.opt(`${p}MODE`) ?? 'bridged',
    };
    const ip = c.parse(`${p}IP`, ipAddress, c.opt(`${p}IP`));
    if (ip !== undefined) nic.ip = ip;
    for (const [key, field] of [
      ['name', 'NAME'],
      ['link', 'LINK'],
      ['bridge', 'BRIDGE'],
      ['frontendType', 'FRONTEND_TYPE'],
    ] as const) {
      const value = c.opt(`${p}${field}`);
      if (value !== undefined) nic[key] = value;
    }
    const network = parseNetwork(c, p);
    if (network) nic.network = network;
    nics.push(nic);
  }
  return nics;
}

function prefixed(env: Env, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(env)) {
    if (k.startsWith(prefix) && val !== undefined) out[k.slice(prefix.length)] = val;
  }
  return out;
}

function parseOs(c: Collector, env: Env): OsInfo {
  const api = c.parse('OS_API_VERSION', apiVersion, c.req('OS_API_VERSION'));
  const debugRaw = c.opt('DEBUG_LEVEL') ?? '0';
  const debugLevel = c.parse('DEBUG_LEVEL', nonNegativeInt, debugRaw) ?? 0;
  return {
    apiVersion: api ?? 20,
    name: c.opt('OS_NAME') ?? '',
    variant: env.OS_VARIANT ?? '',
    debugLevel,
    params: ospParams(env),
  };
}

function parseInstance(c: Collector, env: Env): InstanceInfo {
  const name = c.req('INSTANCE_NAME') ?? '';
  const inst: InstanceInfo = {
    name,
    os: c.opt('INSTANCE_OS') ?? '',
    secondaryNodes: (c.opt('INSTANCE_SECONDARY_NODES') ?? '').split(/\s+/).filter(Boolean),
    hv: prefixed(env, 'INSTANCE_HV_'),
    be: prefixed(env, 'INSTANCE_BE_'),
    disks: parseDisks(c),
    nics: parseNics(c),
    reinstall: env.INSTANCE_REINSTALL === '1',
  };
  if (name !== '' && !/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(name)) {
    c.add('INSTANCE_NAME', `is not a valid host name (got ${JSON.stringify(name)})`);
  }
  for (const [key, field] of [
    ['uuid', 'INSTANCE_UUID'],
    ['ctime', 'INSTANCE_CTIME'],
    ['mtime', 'INSTANCE_MTIME'],
    ['primaryNode', 'INSTANCE_PRIMARY_NODE'],
    ['hypervisor', 'HYPERVISOR'],
  ] as const) {
    const value = c.opt(field);
    if (value !== undefined) inst[key] = value;
  }
  return inst;
}

function parseStream(c: Collector, kind: 'EXPORT' | 'IMPORT'): StreamTarget {
  const target: StreamTarget = {
    index: c.parse(`${kind}_INDEX`, nonNegativeInt, c.req(`${kind}_INDEX`)) ?? 0,
    device:
      c.req(
        `${kind}_DEVICE`,
        `the ${kind.toLowerCase()} script needs the disk to ${kind === 'EXPORT' ? 'read' : 'write'}`,
      ) ?? '',
  };
  const diskPath = c.opt(`${kind}_DISK_PATH`);
  if (diskPath !== undefined) target.diskPath = diskPath;
  const diskUri = c.opt(`${kind}_DISK_URI`);
  if (diskUri !== undefined) target.diskUri = diskUri;
  const fd = c.parse('EXP_SIZE_FD', nonNegativeInt, c.opt('EXP_SIZE_FD'));
  if (fd !== undefined) target.sizeFd = fd;
  return target;
}

/** Parse the environment of one script invocation. Throws OsErrors with every problem found. */
export function parseScriptEnv(script: ScriptName, env: Env): ScriptEnv {
  const c = new Collector(env);
  const os = parseOs(c, env);
  const result: ScriptEnv = { script, os };
  if (script !== 'verify') {
    result.instance = parseInstance(c, env);
    if (script === 'export') result.export = parseStream(c, 'EXPORT');
    if (script === 'import') result.import = parseStream(c, 'IMPORT');
    if (script === 'rename') result.oldName = c.req('OLD_INSTANCE_NAME', 'rename needs the old name') ?? '';
    const count = result.instance.disks.length;
    const target = result.export ?? result.import;
    if (target && count > 0 && target.index >= count) {
      c.add(`${script.toUpperCase()}_INDEX`, `is ${target.index} but DISK_COUNT is ${count}`);
    }
  }
  if (c.problems.length > 0) throw new OsErrors(c.problems);
  return result;
}
