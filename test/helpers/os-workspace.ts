/**
 * A provider installed as Ganeti runs it, in a private work directory: `ganeti-os install`'s
 * argument vector for a private OS directory, lib directory, configuration root and cache root
 * (the node's /etc/ganeti is not read), and the sparse disk files and script runs of its tests,
 * removed by `dispose` (which refuses to remove a tree with mounts below it).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { mountsBelow } from '../../src/disk/mountinfo.js';
import { makeDiskFile, type DiskFile } from './disk.js';
import { runOsScript, type ScriptOptions, type ScriptRun } from './scripts.js';

export interface WorkDirs {
  work: string;
  osDir: string;
  configRoot: string;
  cacheRoot: string;
}

/** The arguments of `ganeti-os install <os>` into the work directory's own places. */
export function installArgv(os: string, d: WorkDirs): string[] {
  return [
    'install',
    '--os-dir',
    d.osDir,
    '--lib-dir',
    join(d.work, 'lib'),
    '--search-path',
    d.osDir,
    '--config-root',
    d.configRoot,
    '--cache-root',
    d.cacheRoot,
    os,
  ];
}

export interface OsWorkspace {
  newDisk(sizeBytes: number, name?: string): DiskFile;
  /** Run an installed script with Ganeti's environment, TMPDIR the work directory's own. */
  run(script: string, env: Record<string, string>, o?: ScriptOptions): Promise<ScriptRun>;
  /** Remove the disks and the work directory (refused with mounts below it). */
  dispose(): void;
}

export function osWorkspace(work: string, scripts: string, tmp: string): OsWorkspace {
  const disks: DiskFile[] = [];
  return {
    newDisk(sizeBytes, name) {
      const d = makeDiskFile(sizeBytes, name);
      disks.push(d);
      return d;
    },
    run: (script, env, opts) => runOsScript(scripts, script, { ...env, TMPDIR: tmp }, opts),
    dispose() {
      for (const d of disks) d.remove();
      if (mountsBelow(work).length > 0) throw new Error(`not removing ${work}: mounts below it`);
      rmSync(work, { recursive: true, force: true });
    },
  };
}
