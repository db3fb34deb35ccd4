/**
 * The guix provider as Ganeti runs it, with a STAND-IN guix (test/fixtures/guix-standin: it records
 * every call and writes a marker system tree; nothing is built or downloaded): installed into a
 * private OS directory with a private configuration root whose variants name a copy of the
 * stand-in (`guix:`), no substitutes and private GC root and cache directories. Partitioning,
 * mkfs, mounts, GC roots, export, import and rename run for real on sparse loop files.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mountsBelow } from '../../../src/disk/mountinfo.js';
import { makeDiskFile, type DiskFile } from '../../helpers/disk.js';
import { runOsScript, type ScriptOptions, type ScriptRun } from '../../helpers/scripts.js';
import { ganetiOs, instanceEnv, type EnvSpec } from '../debootstrap/fixture.js';

export { lastLine } from '../../helpers/scripts.js';
export { leakWatch, withImage, sfdiskJson, blkid, readHead, runToFile, MiB } from '../debootstrap/fixture.js';

export const STANDIN_SOURCE = join(process.cwd(), 'test/fixtures/guix-standin');

/** A configuration the stand-in accepts (it only checks the file exists; real guix is G1's tier). */
export const TEST_CONFIG =
  ';; test configuration for the guix stand-in\n(load (getenv "GANETI_OS_INSTANCE_DATA"))\n';

export interface StandinCall {
  argv: string[];
  env: Record<string, string>;
  pid: number;
}

export interface GuixFixture {
  work: string;
  osDir: string;
  configDir: string;
  cacheDir: string;
  gcRoots: string;
  scripts: string;
  tmp: string;
  /** The stand-in copy the variants name. */
  standin: string;
  /** Its call log (JSON lines). */
  log: string;
  calls(): StandinCall[];
  clearCalls(): void;
  /** Settings of the stand-in for the next runs (GUIX_STANDIN_FAIL, GUIX_STANDIN_SLEEP). */
  setStandin(extra: Record<string, string>): void;
  newDisk(sizeBytes: number, name?: string): DiskFile;
  run(script: string, env: Record<string, string>, o?: ScriptOptions): Promise<ScriptRun>;
  dispose(): void;
}

export function installGuixFixture(variants: (fx: GuixFixture) => Record<string, string>): GuixFixture {
  const work = mkdtempSync(join(tmpdir(), 'gos-guix-test-'));
  const configRoot = join(work, 'etc', 'ganeti');
  const configDir = join(configRoot, 'instance-guix');
  const cacheRoot = join(work, 'cache');
  const osDir = join(work, 'os');
  const tmp = join(work, 'tmp');
  const bin = join(work, 'bin');
  for (const d of [
    osDir,
    join(configDir, 'variants'),
    cacheRoot,
    bin,
    join(work, 'store'),
    join(work, 'gcroots'),
  ])
    mkdirSync(d, { recursive: true });
  mkdirSync(tmp, { mode: 0o1777 });
  const standin = join(bin, 'guix-standin');
  copyFileSync(STANDIN_SOURCE, standin);
  const log = join(work, 'standin.log');
  const base = { GUIX_STANDIN_LOG: log, GUIX_STANDIN_STORE: join(work, 'store') };
  writeFileSync(`${standin}.json`, JSON.stringify(base));
  const disks: DiskFile[] = [];
  const scripts = join(osDir, 'guix');
  const fx: GuixFixture = {
    work,
    osDir,
    configDir,
    cacheDir: join(cacheRoot, 'guix'),
    gcRoots: join(work, 'gcroots'),
    scripts,
    tmp,
    standin,
    log,
    calls: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as StandinCall)
        : [],
    clearCalls: () => rmSync(log, { force: true }),
    setStandin: (extra) => writeFileSync(`${standin}.json`, JSON.stringify({ ...base, ...extra })),
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
  for (const [name, text] of Object.entries(variants(fx)))
    writeFileSync(join(configDir, 'variants', name), text);
  const r = ganetiOs([
    'install',
    '--os-dir',
    osDir,
    '--lib-dir',
    join(work, 'lib'),
    '--search-path',
    osDir,
    '--config-root',
    configRoot,
    '--cache-root',
    cacheRoot,
    'guix',
  ]);
  if (r.code !== 0) throw new Error(`install failed: ${r.stderr}`);
  return fx;
}

/** The create environment for the guix OS. */
export function guixEnv(s: EnvSpec): Record<string, string> {
  return { ...instanceEnv(s), OS_NAME: 'guix', INSTANCE_OS: `guix+${s.variant}` };
}
