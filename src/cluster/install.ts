/**
 * `ganeti-os cluster install` on the master: stages the payload (the Debian package, or a tarball
 * of the bundle this node runs) and, when asked, the configuration, then runs the plan
 * (install-plan.ts) through `gnt-cluster copyfile` and `gnt-cluster command`. The staging directory
 * is on the cleanup stack, removed on every node whatever happens.
 */
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { configDirOf, legacyDefaultsFile } from '../config/paths.js';
import { readManifest } from '../ganeti/manifest.js';
import type { Runner } from '../process/types.js';
import type { CleanupStack } from '../runtime/cleanup.js';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { clusterCommand, clusterCommandAll, clusterCopyFile, masterNode, onlineNodes } from './gnt.js';
import { installPlan, removeStageLine, type Step } from './install-plan.js';
import { installedOsDirs } from './read.js';

export interface ClusterInstallOptions {
  runner: Runner;
  log: Logger;
  cleanup: CleanupStack;
  /** A ganeti-os .deb; without it, the bundle this node runs. */
  packageFile?: string;
  /** Also copy the master's configuration directories and legacy defaults files. */
  config: boolean;
  /** The arguments of `ganeti-os install` on every node (without the program). */
  installArgs: string[];
  /** OS names whose configuration goes along (besides the installed ones). */
  names: string[];
  configRoot: string | undefined;
  searchPath: string[];
  distDir: string;
  packageRoot: string;
  version: string;
  nodePath: string;
  launcher: string;
}

export interface ClusterInstallResult {
  master: string;
  nodes: string[];
  /** Configuration paths copied from the master. */
  config: string[];
}

/** The master's configuration: each OS's configuration directory and legacy defaults file that exists. */
export function configPaths(o: Pick<ClusterInstallOptions, 'names' | 'configRoot' | 'searchPath'>): string[] {
  const dirs = new Map<string, string>();
  for (const [name, dir] of installedOsDirs(o.searchPath)) {
    try {
      dirs.set(name, readManifest(dir).configDir);
    } catch {
      // a damaged manifest: reinstalled below with the default place
    }
  }
  for (const name of o.names) if (!dirs.has(name)) dirs.set(name, configDirOf(name, o.configRoot));
  const out: string[] = [];
  for (const [name, d] of dirs) out.push(d, legacyDefaultsFile(name, { configDir: d }));
  return [...new Set(out)].filter((p) => existsSync(p)).sort();
}

/** The running bundle as the layout the CLI expects: dist/, hooks/, variants/, package.json. */
function stageBundle(o: ClusterInstallOptions, dir: string): void {
  const dist = join(dir, 'dist');
  mkdirSync(dist, { recursive: true });
  for (const f of readdirSync(o.distDir))
    if (f.endsWith('.mjs') || f.endsWith('.cjs')) copyFileSync(join(o.distDir, f), join(dist, f));
  for (const d of ['hooks', 'variants']) {
    const src = [join(o.packageRoot, d), join(o.distDir, 'share', d)].find((p) => existsSync(p));
    if (src) cpSync(src, join(dir, d), { recursive: true, preserveTimestamps: true });
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'ganeti-os', version: o.version }) + '\n');
}

async function runStep(o: ClusterInstallOptions, s: Step): Promise<void> {
  o.log.info(
    `cluster install: ${s.what}${s.nodes.length > 0 ? ` on ${s.nodes.join(', ')}` : ' on every node'}`,
  );
  if (s.kind === 'copy') await clusterCopyFile(o.runner, s.file, s.nodes);
  else await clusterCommandAll(o.runner, s.what, s.line, s.nodes);
}

export async function clusterInstall(o: ClusterInstallOptions): Promise<ClusterInstallResult> {
  if (o.packageFile && !existsSync(o.packageFile))
    throw new OsError('E_CLUSTER_COPY', `${o.packageFile} does not exist`, {
      hint: 'build it with `npm run deb`',
    });
  if (!o.packageFile && !existsSync(join(o.distDir, 'ganeti-os.mjs')))
    throw new OsError('E_NO_BUNDLE', `${o.distDir}/ganeti-os.mjs is missing`, {
      hint: 'run `npm run build` first, or pass --package',
    });
  const master = await masterNode(o.runner);
  const nodes = await onlineNodes(o.runner);
  const others = nodes.filter((n) => n !== master);

  const stageDir = mkdtempSync(join(tmpdir(), 'ganeti-os-cluster-'));
  o.cleanup.push(`remove ${stageDir} on every node`, async () => {
    rmSync(stageDir, { recursive: true, force: true });
    if (others.length > 0)
      await clusterCommand(o.runner, removeStageLine(stageDir), others).catch(() => undefined);
  });

  let payload: { kind: 'deb' | 'bundle'; file: string };
  if (o.packageFile) {
    payload = { kind: 'deb', file: join(stageDir, basename(o.packageFile)) };
    copyFileSync(o.packageFile, payload.file);
  } else {
    const tree = join(stageDir, 'tree');
    stageBundle(o, tree);
    payload = { kind: 'bundle', file: join(stageDir, 'bundle.tar') };
    await o.runner.run('tar', ['-C', tree, '-cf', payload.file, '.'], { code: 'E_CLUSTER_COPY' });
    rmSync(tree, { recursive: true, force: true });
  }

  const paths = o.config ? configPaths(o) : [];
  let config: { file: string; paths: string[] } | undefined;
  if (o.config && paths.length > 0) {
    config = { file: join(stageDir, 'config.tar'), paths };
    const members = paths.map((p) => relative('/', p));
    await o.runner.run('tar', ['--numeric-owner', '-C', '/', '-cpf', config.file, '--', ...members], {
      code: 'E_CLUSTER_COPY',
    });
  } else if (o.config) {
    o.log.warn('cluster install --config: this node has no configuration for the providers; none copied');
  }

  const steps = installPlan({
    stageDir,
    payload,
    ...(config ? { config } : {}),
    installArgs: o.installArgs,
    nodePath: o.nodePath,
    launcher: o.launcher,
    others,
  });
  for (const s of steps) await runStep(o, s);
  return { master, nodes, config: paths };
}
