/**
 * Operations the multi-node suites share: our CLI inside a node, the debootstrap cache of a node
 * warmed through the host's network (with the node's own mounts), an instance's disk as a host
 * path, and a guest's installed packages read from its disk.
 */
import { copyFile, readdir, readFile } from 'node:fs/promises';
import { shellLine } from '../../src/cluster/shell.js';
import { CLI, REPO_ROOT, requireBuild } from './ganeti-ours.js';
import { seedCache } from './ganeti-cache.js';
import { guestCat } from './ganeti-guest.js';
import { type CmdResult, type NodeSpec, run } from './ganeti-cluster2.js';

/** `ganeti-os <args>` (this checkout's bundle) inside node `n`. */
export function ganetiOsOn(
  n: NodeSpec,
  args: readonly string[],
  o: { check?: boolean } = {},
): Promise<CmdResult> {
  requireBuild();
  return run(n, [process.execPath, CLI, ...args], {
    cwd: REPO_ROOT,
    timeoutMs: 900_000,
    ...(o.check ? { check: true } : {}),
  });
}

/** The ganeti-os `cluster install` left on every node (the bundle in the default lib dir). */
export const INSTALLED_CLI = `${process.execPath} /usr/local/lib/ganeti-os/ganeti-os.mjs`;

/**
 * Warms `osVariant`'s cache on node `n` with the host's network: entries of the machine's own
 * cache are linked in first (GANETI_E2E_CACHE_SEED as for the one-node suites).
 */
export async function warmOn(n: NodeSpec, osVariant: string): Promise<{ hit: boolean; seeded: string[] }> {
  const os = osVariant.split('+')[0]!;
  const seeded = await seedCache(os, `${n.root}/cache/${os}`);
  // The node's resolv.conf points nowhere: a nested mount namespace sees the host's for this run.
  const resolv = `${n.root}/host-resolv.conf`;
  await copyFile('/etc/resolv.conf', resolv);
  const warm = shellLine([process.execPath, CLI, 'cache', 'warm', osVariant, '--json']);
  const script = `mount --bind ${shellLine([resolv])} /etc/resolv.conf && exec ${warm}`;
  const r = await run(n, ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script], {
    net: false,
    cwd: REPO_ROOT,
    timeoutMs: 1_200_000,
    check: true,
  });
  return { hit: (JSON.parse(r.stdout) as { hit: boolean }).hit, seeded };
}

/** The host path of an instance's first disk on node `n`. */
export async function disk0On(n: NodeSpec, instance: string): Promise<string> {
  const dir = `${n.root}/srv/file-storage/${instance}`;
  const f = (await readdir(dir)).filter((x) => x.endsWith('.file.disk0'));
  if (f.length !== 1) throw new Error(`no disk0 in ${dir}`);
  return `${dir}/${f[0]}`;
}

/** `package=version` of every installed package of the guest on `disk`, sorted. */
export async function guestPackages(disk: string): Promise<string[]> {
  const status = await guestCat(disk, '/var/lib/dpkg/status');
  const out: string[] = [];
  for (const para of status.split('\n\n')) {
    const f = (k: string): string => new RegExp(`^${k}: (.*)$`, 'm').exec(para)?.[1] ?? '';
    if (f('Status') === 'install ok installed')
      out.push(`${f('Package')}:${f('Architecture')}=${f('Version')}`);
  }
  return out.sort();
}

/** Kills the qemu booting `image`, found by its argv (never by name). */
export async function killQemuOn(image: string): Promise<void> {
  for (const pid of (await readdir('/proc')).filter((x) => /^\d+$/.test(x))) {
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (argv[0]?.endsWith('qemu-system-x86_64') && argv.some((a) => a.startsWith(`file=${image},`))) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}
