/**
 * The steps of `ganeti-os cluster install`, as data: what to copy where with `gnt-cluster
 * copyfile` and which shell lines to run with `gnt-cluster command`. Pure; install.ts runs them.
 *
 * Every node gets the payload at the same path (a staging directory, created on the other nodes
 * first, since copyfile copies a single file into an existing directory): the Debian package, or a
 * tarball of the bundle the master runs. The configuration, when asked for, is a tarball of the
 * master's configuration directories and legacy defaults files; on each other node each of them is
 * replaced as a whole (a file only the node had is gone). Then every node, the master included,
 * installs: `dpkg -i` and `ganeti-os install`, or `ganeti-os install` from the unpacked bundle.
 */
import { dirname, join } from 'node:path';
import { shellAnd, shellLine } from './shell.js';

export interface InstallPlanInput {
  /** The staging directory, the same path on every node. */
  stageDir: string;
  /** The Debian package, or the tarball of the running bundle (`dist/`, `hooks/`, `variants/`). */
  payload: { kind: 'deb' | 'bundle'; file: string };
  /** The configuration tarball (members relative to /) and the absolute paths it replaces. */
  config?: { file: string; paths: string[] };
  /** The arguments of `ganeti-os install` (without the program). */
  installArgs: string[];
  /** node on the nodes (the bundle is run with it). */
  nodePath: string;
  /** The command the package installs. */
  launcher: string;
  /** The nodes other than the master. */
  others: string[];
}

export type Step =
  | { kind: 'command'; what: string; line: string; nodes: string[] }
  | { kind: 'copy'; what: string; file: string; nodes: string[] };

/** Where the unpacked bundle's CLI is, below the staging directory. */
export const BUNDLE_DIR = 'bundle';
const CONFIG_DIR = 'config';

/** Replaces `path` by the unpacked copy below `from` (a directory or a file), keeping nothing old. */
export function replaceLine(from: string, path: string): string {
  const src = join(from, path);
  const old = `${path}.ganeti-os-old`;
  return shellAnd([
    `rm -rf ${shellLine([old])}`,
    `mkdir -p ${shellLine([dirname(path)])}`,
    `{ ! [ -e ${shellLine([path])} ] || mv ${shellLine([path, old])}; }`,
    shellLine(['mv', src, path]),
    shellLine(['rm', '-rf', old]),
  ]);
}

export function installPlan(i: InstallPlanInput): Step[] {
  const steps: Step[] = [];
  const others = i.others;
  if (others.length > 0) {
    steps.push({
      kind: 'command',
      what: 'create the staging directory',
      line: shellLine(['mkdir', '-p', '-m', '0700', i.stageDir]),
      nodes: others,
    });
    steps.push({ kind: 'copy', what: `copy ${i.payload.file}`, file: i.payload.file, nodes: others });
    if (i.config) {
      steps.push({ kind: 'copy', what: `copy ${i.config.file}`, file: i.config.file, nodes: others });
      const dir = join(i.stageDir, CONFIG_DIR);
      steps.push({
        kind: 'command',
        what: 'install the configuration',
        line: shellAnd([
          shellLine(['mkdir', '-p', dir]),
          shellLine(['tar', '--numeric-owner', '-xpf', i.config.file, '-C', dir]),
          ...i.config.paths.map((p) => replaceLine(dir, p)),
        ]),
        nodes: others,
      });
    }
  }
  const install =
    i.payload.kind === 'deb'
      ? shellAnd([
          shellLine(['env', 'DEBIAN_FRONTEND=noninteractive', 'dpkg', '-i', i.payload.file]),
          shellLine([i.launcher, ...i.installArgs]),
        ])
      : shellAnd([
          shellLine(['rm', '-rf', join(i.stageDir, BUNDLE_DIR)]),
          shellLine(['mkdir', '-p', join(i.stageDir, BUNDLE_DIR)]),
          shellLine(['tar', '-xf', i.payload.file, '-C', join(i.stageDir, BUNDLE_DIR)]),
          shellLine([i.nodePath, join(i.stageDir, BUNDLE_DIR, 'dist', 'ganeti-os.mjs'), ...i.installArgs]),
        ]);
  steps.push({ kind: 'command', what: 'install', line: install, nodes: [] });
  steps.push({
    kind: 'command',
    what: 'remove the staging directory',
    line: removeStageLine(i.stageDir),
    nodes: [],
  });
  return steps;
}

export function removeStageLine(stageDir: string): string {
  return shellLine(['rm', '-rf', stageDir]);
}
