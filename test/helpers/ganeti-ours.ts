/**
 * Our own `ganeti-os` CLI (the built bundle, dist/ganeti-os.mjs) run inside the test cluster, so
 * `install --os-dir /srv/ganeti/os` lands in the cluster's private OS dir. What install writes
 * besides the OS dirs (bundle, config and cache roots) goes below the harness state, never the host.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CmdResult, ROOT_DIR, must, run } from './ganeti-harness.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = `${REPO_ROOT}/dist/ganeti-os.mjs`;
export const OUR_OS_DIR = '/srv/ganeti/os';
const PRIVATE = `${ROOT_DIR}/ganeti-os`;

export interface InstalledOs {
  name: string;
  dir: string;
  changed: boolean;
  variants: string[];
  params: string[];
}

/** Fails with a hint when the bundle has not been built. */
export function requireBuild(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
}

/** `ganeti-os <args>` inside the cluster. */
export function ganetiOs(args: readonly string[], opts: { check?: boolean } = {}): Promise<CmdResult> {
  requireBuild();
  return run([process.execPath, CLI, ...args], { check: opts.check, cwd: REPO_ROOT });
}

export interface InstallOpts {
  force?: boolean;
  check?: boolean;
}

/** Arguments of `ganeti-os install` that keep everything but the OS dirs private to the cluster. */
export function installArgs(names: readonly string[], o: InstallOpts = {}): string[] {
  const dirs = ['--os-dir', OUR_OS_DIR, '--lib-dir', `${PRIVATE}/lib`, '--config-root', `${PRIVATE}/etc`];
  return [
    'install',
    ...dirs,
    '--cache-root',
    `${PRIVATE}/cache`,
    '--json',
    ...(o.force ? ['--force'] : []),
    ...names,
  ];
}

/** Installs built-in providers (all when `names` is empty) into the cluster's /srv/ganeti/os. */
export async function installOurs(
  names: readonly string[] = [],
  o: InstallOpts = {},
): Promise<InstalledOs[]> {
  const r = await ganetiOs(installArgs(names, o), { check: true });
  return JSON.parse(r.stdout) as InstalledOs[];
}

export async function uninstallOurs(names: readonly string[]): Promise<void> {
  await ganetiOs(['uninstall', '--os-dir', OUR_OS_DIR, ...names], { check: true });
}

/** The disk files of an instance (paths inside the cluster), in disk index order. */
export async function diskFiles(instance: string): Promise<string[]> {
  const r = await must(['ls', `/srv/ganeti/file-storage/${instance}`]);
  return r.stdout
    .split('\n')
    .filter((n) => /\.file\.disk\d+$/.test(n))
    .sort((a, b) => Number(/disk(\d+)$/.exec(a)![1]) - Number(/disk(\d+)$/.exec(b)![1]))
    .map((n) => `/srv/ganeti/file-storage/${instance}/${n}`);
}
