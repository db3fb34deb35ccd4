/**
 * The bootstrap cache of an OS installed in the test cluster. The cluster has no route out, so a
 * cache entry is built ("warmed") on the host, where the mirror is reachable, by the same
 * `ganeti-os cache warm` an admin runs, pointed at the cluster's OS dir (its manifest names the
 * cache dir, below the harness state). Entries already in the machine's own cache can be linked
 * in first (GANETI_E2E_CACHE_SEED, default /var/cache/ganeti-os/<os>; `none` = start cold).
 */
import { copyFile, link, mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { OUR_OS_DIR, CLI, requireBuild } from './ganeti-ours.js';
import { ROOT_DIR, host } from './ganeti-host.js';

/** The host path of the cluster's private OS dir (see `privateOsDir(OUR_OS_DIR)`). */
export const HOST_OS_DIR = `${ROOT_DIR}/os${OUR_OS_DIR}`;

export interface InstalledPaths {
  configDir: string;
  shareDir: string;
  cacheDir: string;
}

/** Where an installed OS keeps its configuration, shipped files and cache (from its manifest). */
export async function installedPaths(os: string): Promise<InstalledPaths> {
  const m = JSON.parse(await readFile(join(HOST_OS_DIR, os, 'ganeti-os.json'), 'utf8')) as InstalledPaths;
  return { configDir: m.configDir, shareDir: m.shareDir, cacheDir: m.cacheDir };
}

/**
 * Links the entries of `from` (tarball + sidecar) into `cacheDir`; returns their names. Tarballs
 * are hard-linked (the cache replaces files by rename, never writes into one), sidecars copied.
 */
export async function seedCache(
  os: string,
  cacheDir: string,
  from = process.env.GANETI_E2E_CACHE_SEED ?? `/var/cache/ganeti-os/${os}`,
): Promise<string[]> {
  if (from === 'none') return [];
  const names = await readdir(from).catch(() => [] as string[]);
  const seeded: string[] = [];
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  for (const tar of names.filter((n) => n.endsWith('.tar.zst'))) {
    const sidecar = tar.replace(/\.tar\.zst$/, '.json');
    if (!names.includes(sidecar)) continue;
    await link(join(from, tar), join(cacheDir, tar)).catch(async (e: unknown) => {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      await copyFile(join(from, tar), join(cacheDir, tar));
    });
    await copyFile(join(from, sidecar), join(cacheDir, sidecar));
    seeded.push(tar);
  }
  return seeded;
}

export interface WarmResult {
  os: string;
  variant: string;
  path: string;
  hit: boolean;
}

/** `ganeti-os cache warm <osVariant>` on the host, for the OS installed in the cluster. */
export async function warmOnHost(osVariant: string, timeoutMs = 1_200_000): Promise<WarmResult> {
  requireBuild();
  const r = await host(
    process.execPath,
    [CLI, 'cache', 'warm', osVariant, '--os-dir', HOST_OS_DIR, '--json'],
    { timeoutMs },
  );
  return JSON.parse(r.stdout) as WarmResult;
}
