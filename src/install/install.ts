/**
 * `ganeti-os install` / `uninstall` as a programmatic API (the CLI is a thin layer over it).
 *
 * Layout on a node:
 *   <libDir>/script.cjs                         the script entry, `#!<absolute node>`: a small
 *                                               CommonJS file that answers `verify parameters`
 *                                               itself and imports script.mjs for the rest
 *   <libDir>/script.mjs, chunk-*.mjs, sdk.mjs   the bundle (an earlier build's chunks are removed
 *                                               by the install after next: bundle-files.json)
 *   <libDir>/share/{hooks,variants}             stock hooks and shipped variants
 *   <libDir>/providers/<name>.mjs               bundled custom providers
 *   <osDir>/<name>/{create,import,export,rename,verify} -> <libDir>/script.cjs
 *   <osDir>/<name>/{ganeti_api_version,variants.list,parameters.list,ganeti-os.json}
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  rmdirSync,
} from 'node:fs';
import { join } from 'node:path';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { DEFAULTS } from '../ganeti/defaults.js';
import { hasManifest, readManifest, type OsManifest } from '../ganeti/manifest.js';
import { configDirOf } from '../config/paths.js';
import { OS_DIR_ENTRIES, renderOsDir, writeOsDirFile } from '../ganeti/os-dir.js';
import { API_VERSIONS } from '../ganeti/types.js';
import { checkOsName } from '../ganeti/names.js';
import type { Registry } from '../dispatch/registry.js';
import type { AnyProvider, ProviderPaths } from '../sdk/types.js';
import { removeIfExists, symlinkIfChanged, writeIfChanged } from './files.js';
import { ganetiSearchPath } from './search-path.js';
import { clashError, otherHolder, owningPackage } from './clash.js';
import { BUNDLE_RECORD, isBundleFile, parseBundleRecord, planBundlePrune } from './bundle-files.js';
import { bundleCustomProvider } from './custom.js';
import { publishVariants } from './publish.js';

export interface InstallOptions {
  /** Built-in providers to install; default: all of them (unless providerModules are given). */
  names?: string[];
  /** Paths of custom provider modules (.ts, .js, .mjs). */
  providerModules?: string[];
  osDir?: string;
  libDir?: string;
  configRoot?: string;
  cacheRoot?: string;
  /** Where the running bundle lives (dist/). */
  distDir: string;
  /** Package root holding hooks/ and variants/. */
  packageRoot: string;
  /** Where built-in providers (and custom modules) are loaded from. */
  providers: Registry;
  nodePath?: string;
  force?: boolean;
  /** Publish the variants that resolve, leaving out (with a warning) those that do not, instead of refusing. */
  skipBroken?: boolean;
  searchPath?: string[];
  /** Install the one provider named under this OS name instead of its own (e.g. beside a peer's). */
  as?: string;
  version?: string;
  log: Logger;
}

export interface InstallResult {
  name: string;
  dir: string;
  changed: boolean;
  variants: string[];
  params: string[];
}

function installBundle(o: InstallOptions, libDir: string, nodePath: string): boolean {
  if (!existsSync(join(o.distDir, 'script.cjs'))) {
    throw new OsError('E_NO_BUNDLE', `${o.distDir}/script.cjs is missing`, {
      hint: 'run `npm run build` first',
    });
  }
  mkdirSync(libDir, { recursive: true, mode: 0o755 });
  let changed = false;
  const files = readdirSync(o.distDir).filter(isBundleFile);
  for (const f of files) {
    let data = readFileSync(join(o.distDir, f));
    let mode = 0o644;
    if (f === 'script.cjs') {
      const text = data.toString('utf8').replace(/^#!.*\n/, '');
      data = Buffer.from(`#!${nodePath}\n${text}`);
      mode = 0o755;
    }
    changed = writeIfChanged(join(libDir, f), data, mode) || changed;
  }
  pruneBundle(libDir, files);
  const share = join(libDir, 'share');
  const staging = `${share}.new-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true, mode: 0o755 });
  for (const d of ['hooks', 'variants']) {
    const src = join(o.packageRoot, d);
    if (existsSync(src)) cpSync(src, join(staging, d), { recursive: true, preserveTimestamps: true });
  }
  const old = `${share}.old-${process.pid}`;
  if (existsSync(share)) renameSync(share, old);
  renameSync(staging, share);
  rmSync(old, { recursive: true, force: true });
  return changed;
}

/** Remove the chunks of the install before the last one (see bundle-files.ts); record this one. */
function pruneBundle(libDir: string, files: readonly string[]): void {
  const recordPath = join(libDir, BUNDLE_RECORD);
  let text: string | undefined;
  try {
    text = readFileSync(recordPath, 'utf8');
  } catch {
    text = undefined;
  }
  const present = readdirSync(libDir).filter(isBundleFile);
  const plan = planBundlePrune(parseBundleRecord(text), present, files);
  for (const f of plan.remove) removeIfExists(join(libDir, f));
  writeIfChanged(recordPath, `${JSON.stringify(plan.record, null, 2)}\n`, 0o644);
}

/** The configuration directory a previous install recorded; a damaged manifest is rewritten anyway. */
function recordedConfigDir(dir: string): string | undefined {
  try {
    return hasManifest(dir) ? readManifest(dir).configDir : undefined;
  } catch {
    return undefined;
  }
}

async function installOne(
  provider: AnyProvider,
  o: InstallOptions,
  module: string | undefined,
): Promise<InstallResult> {
  const osDir = o.osDir ?? DEFAULTS.osDir;
  const libDir = o.libDir ?? DEFAULTS.libDir;
  const osName = o.as ?? provider.name;
  const dir = join(osDir, osName);
  const searchPath = o.searchPath ?? ganetiSearchPath();
  const other = otherHolder(osName, osDir, searchPath);
  if (other && !o.force) {
    throw clashError({ name: osName, ours: dir, other, otherPackage: owningPackage(other), searchPath });
  }
  if (existsSync(dir) && !hasManifest(dir) && readdirSync(dir).length > 0 && !o.force) {
    throw new OsError('E_OS_FOREIGN', `${dir} exists and was not installed by ganeti-os`, {
      hint: 'move it away first, or pass --force to take it over',
    });
  }
  // A re-install keeps the recorded configuration directory unless a root is given (option or env).
  const recorded = recordedConfigDir(dir);
  const configDir = configDirOf(provider.name, o.configRoot, recorded);
  if (recorded !== undefined && recorded !== configDir) {
    o.log.info(`${provider.name}: configuration directory ${recorded} -> ${configDir}`);
  }
  const paths: ProviderPaths = {
    osDir: dir,
    configDir,
    shareDir: join(libDir, 'share'),
    cacheDir: join(o.cacheRoot ?? DEFAULTS.cacheRoot, provider.name),
  };
  // Before anything is written: a provider whose variants do not resolve is left as it was.
  const { names: variants, record } = await publishVariants(provider, paths, {
    skipBroken: o.skipBroken,
    log: o.log,
  });
  const manifest: OsManifest = {
    provider: provider.name,
    ...(module ? { module } : {}),
    configDir: paths.configDir,
    shareDir: paths.shareDir,
    cacheDir: paths.cacheDir,
    version: o.version ?? 'dev',
    params: Object.entries(provider.params).map(([name, d]) => ({ name, spec: d.spec, private: d.private })),
    verifyNeedsProvider: typeof provider.verify === 'function',
    ...(provider.noOp?.length ? { noOp: [...provider.noOp] } : {}),
    ...(provider.rawStreams ? { rawStreams: true } : {}),
    ...record,
  };
  const rendered = renderOsDir({
    name: osName,
    apiVersions: provider.apiVersions ?? API_VERSIONS,
    params: Object.entries(provider.params).map(([name, d]) => ({ name, description: d.description })),
    variants,
    manifest,
  });
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  let changed = false;
  for (const f of rendered.files) changed = writeOsDirFile(dir, f) || changed;
  for (const s of rendered.scripts)
    changed = symlinkIfChanged(join(dir, s), join(libDir, 'script.cjs')) || changed;
  return { name: osName, dir, changed, variants, params: Object.keys(provider.params) };
}

export async function install(o: InstallOptions): Promise<InstallResult[]> {
  const libDir = o.libDir ?? DEFAULTS.libDir;
  const nodePath = o.nodePath ?? process.execPath;
  if (!nodePath.startsWith('/'))
    throw new OsError('E_NODE_PATH', `node path ${nodePath} is not absolute`, {
      hint: 'pass --node /usr/bin/node',
    });
  if (o.as !== undefined) {
    checkOsName(o.as);
    if ((o.names?.length ?? 0) + (o.providerModules?.length ?? 0) !== 1)
      throw new OsError('E_USAGE', `--as ${o.as} names one OS, but not one provider was given`, {
        hint: `name exactly one provider, e.g. ganeti-os install debootstrap --as ${o.as}`,
      });
  }
  const bundleChanged = installBundle(o, libDir, nodePath);
  const results: InstallResult[] = [];
  const names =
    o.names && o.names.length > 0 ? o.names : o.providerModules?.length ? [] : o.providers.names();
  for (const name of names) {
    results.push(await installOne(await o.providers.load(name), o, undefined));
  }
  for (const src of o.providerModules ?? []) {
    const bundled = await bundleCustomProvider(src, libDir);
    results.push(await installOne(await o.providers.load('', bundled), o, bundled));
  }
  if (bundleChanged) for (const r of results) r.changed = true;
  return results;
}

export interface UninstallOptions {
  names: string[];
  osDir?: string;
  log: Logger;
}

/** Remove OS directories ganeti-os installed; files it did not write are left (and reported). */
export function uninstall(o: UninstallOptions): string[] {
  const osDir = o.osDir ?? DEFAULTS.osDir;
  const removed: string[] = [];
  for (const name of o.names) {
    const dir = join(osDir, name);
    if (!existsSync(dir)) {
      o.log.warn(`${dir} does not exist; nothing to remove`);
      continue;
    }
    if (!hasManifest(dir)) {
      throw new OsError('E_OS_FOREIGN', `${dir} was not installed by ganeti-os`, {
        hint: 'remove it by hand if you mean to',
      });
    }
    for (const f of OS_DIR_ENTRIES) removeIfExists(join(dir, f));
    const left = readdirSync(dir);
    if (left.length === 0) {
      rmdirSync(dir);
      removed.push(dir);
    } else {
      o.log.warn(`${dir} kept: it holds files ganeti-os did not write (${left.join(', ')})`);
    }
  }
  return removed;
}
