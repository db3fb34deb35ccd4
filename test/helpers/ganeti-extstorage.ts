/**
 * Ganeti's `ext` disk template in the one-node test cluster (test/helpers/ganeti-harness.ts): a
 * small ExtStorage provider, `loop` (test/fixtures/extstorage-loop), keeps each volume as a sparse
 * file below the cluster's private /var/lib/ganeti and attaches it as a loop device, so instances
 * get block devices as on a real cluster (LVM, DRBD, RBD) instead of files.
 *
 *   await up();
 *   await enableExtStorage();
 *   await must(['gnt-instance', 'add', '-t', 'ext', '--disk', `0:size=1G,provider=${EXT_PROVIDER}`, ...]);
 *
 * `burninArgv()` runs Ganeti's own burnin tool with `-t ext` (see burnin-ext.py for why it needs
 * a wrapper).
 */
import { copyFile, chmod, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NODE_NAME, ROOT_DIR, listLoops, must, privateOsDir } from './ganeti-harness.js';
import { NS_ENTER } from './ganeti-ns.js';
import { REPO_ROOT } from './ganeti-ours.js';

/** The provider's name: its directory in Ganeti's ExtStorage search path. */
export const EXT_PROVIDER = 'loop';
export const FIXTURE_DIR = join(REPO_ROOT, 'test/fixtures/extstorage-loop');
/**
 * The ExtStorage search dir the provider is installed into, inside the cluster only (a private dir
 * is bind-mounted over it). It is last in Ganeti's ES_SEARCH_PATH and exists on the host (the
 * ganeti package ships it), so no host path is created.
 */
export const ES_DIR = '/usr/share/ganeti/extstorage';
/** Where the volumes live, inside the cluster (the provider's default `dir`). */
export const VOLUME_DIR = '/var/lib/ganeti/extstorage-loop';
/** The same directory seen from the host (the cluster's /var/lib/ganeti is ROOT_DIR/lib). */
export const HOST_VOLUME_DIR = `${ROOT_DIR}/lib/extstorage-loop`;
/** Ganeti writes the scripts' logs here (LOG_ES_DIR) and fails when it is missing. */
const ES_LOG_DIR = '/var/log/ganeti/extstorage';

const SCRIPTS = ['create', 'attach', 'detach', 'remove', 'grow', 'setinfo', 'verify', 'snapshot'];
const FILES = ['common.sh', 'parameters.list'];

/**
 * Installs the `loop` provider into the cluster's ExtStorage search path and enables the `ext`
 * disk template (and its instance policy) next to `file`. Returns the provider's host dir.
 */
export async function enableExtStorage(): Promise<string> {
  const esDir = await privateOsDir(ES_DIR);
  await must(['mkdir', '-p', `${ES_DIR}/${EXT_PROVIDER}`, ES_LOG_DIR]);
  const dst = join(esDir, EXT_PROVIDER);
  for (const f of [...SCRIPTS, ...FILES]) {
    await copyFile(join(FIXTURE_DIR, f), join(dst, f));
    await chmod(join(dst, f), SCRIPTS.includes(f) ? 0o755 : 0o644);
  }
  await must([
    'gnt-cluster',
    'modify',
    '--enabled-disk-templates=file,ext',
    '--ipolicy-disk-templates=file,ext',
  ]);
  return dst;
}

/** Volume files (and their metadata/snapshots) in the provider's directory, from the host. */
export async function extVolumes(): Promise<string[]> {
  const names = await readdir(HOST_VOLUME_DIR).catch(() => [] as string[]);
  return names.filter((n) => !n.startsWith('.')).sort();
}

/** Loop devices (inside the cluster) backed by a volume file: `[device, volume file]`. */
export async function extLoops(): Promise<[string, string][]> {
  const loops = await listLoops(NS_ENTER);
  return loops.filter((l) => l.backFile.startsWith(`${VOLUME_DIR}/`)).map((l) => [l.name, l.backFile]);
}

export interface BurninOptions {
  /** OS (with variant) burnin installs. */
  os: string;
  /** Instance names (one is enough on one node). */
  instances: readonly string[];
  /** An unused name for burnin's rename round trip. */
  rename: string;
  /** Disk sizes, e.g. `['2G']` (one disk each). */
  diskSize: readonly string[];
  /** Growth per disk (burnin grows ext disks), e.g. `['64M']`. */
  diskGrowth: readonly string[];
  /** OS parameters (`-O`), e.g. `['ssh-key=...']`. */
  osParams?: readonly string[];
}

/**
 * argv of Ganeti's burnin with `-t ext` on this one-node cluster, trimmed to what exercises the
 * OS scripts and the volumes: add, stop/start, grow, export and import (burnin only runs them
 * for templates other than file/sharedfile/diskless), reinstall twice, reboot, rename to the same
 * and to another name, activate/deactivate disks, NIC changes, remove. Skipped: runtime memory
 * (one memory size), failover/migrate/replace (one node), disk add/detach/attach (not OS work).
 */
export function burninArgv(o: BurninOptions): string[] {
  return [
    join(FIXTURE_DIR, 'burnin-ext.py'),
    `--ext-provider=${EXT_PROVIDER}`,
    '-t',
    'ext',
    // Job feedback in the output: Ganeti only warns when an import's disks fail.
    '--verbose',
    '-o',
    o.os,
    ...(o.osParams?.length ? ['-O', o.osParams.join(',')] : []),
    '-n',
    NODE_NAME,
    '--disk-size',
    o.diskSize.join(','),
    '--disk-growth',
    o.diskGrowth.join(','),
    '--mem-size',
    '128M',
    '--vcpu-count',
    '1',
    '--no-name-check',
    '--no-ip-check',
    '--no-replace1',
    '--no-replace2',
    '--no-failover',
    '--no-migrate',
    '--no-add-disks',
    '--rename',
    o.rename,
    ...o.instances,
  ];
}
