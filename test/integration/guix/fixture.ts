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
import { dirname, join } from 'node:path';
import { installArgv, osWorkspace, type OsWorkspace } from '../../helpers/os-workspace.js';
import { ganetiOs, instanceEnv, type EnvSpec } from '../debootstrap/fixture.js';

export { lastLine } from '../../helpers/scripts.js';
export { leakWatch, withImage, sfdiskJson, blkid, readHead, runToFile, MiB } from '../debootstrap/fixture.js';

export const STANDIN_SOURCE = join(process.cwd(), 'test/fixtures/guix-standin');

/** The shipped ganeti-os library, which create writes into the guest when the admin has none. */
export const SHIPPED_LIBRARY = readFileSync(join(process.cwd(), 'variants/guix/lib/ganeti-os.scm'), 'utf8');

/** A configuration the stand-in accepts (it only checks the file exists; real guix is G1's tier). */
export const TEST_CONFIG =
  ';; test configuration for the guix stand-in\n(load (getenv "GANETI_OS_INSTANCE_DATA"))\n';

export interface StandinCall {
  argv: string[];
  env: Record<string, string>;
  pid: number;
}

export interface GuixFixture extends OsWorkspace {
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
}

/**
 * The variants most tests use: `default.scm` alone (TEST_CONFIG), `ext4` naming it with the
 * stand-in, no substitutes and the private GC roots, and the layouts extending ext4; `extra` adds
 * or replaces files (a path below the variants directory, e.g. `lib/ganeti-os.scm`).
 */
export function standinVariants(f: GuixFixture, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'default.scm': TEST_CONFIG,
    'ext4.yaml': `config: default.scm\nguix: ${f.standin}\nsubstitute-urls: []\ngc-root-dir: ${f.gcRoots}\n`,
    'btrfs.yaml': 'extend: ext4\nfilesystem: btrfs\nlayout: btrfs-subvolumes\n',
    'uefi.yaml': 'extend: ext4\nfirmware: uefi\n',
    ...extra,
  };
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
  const scripts = join(osDir, 'guix');
  const fx: GuixFixture = {
    ...osWorkspace(work, scripts, tmp),
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
  };
  for (const [name, text] of Object.entries(variants(fx))) {
    const file = join(configDir, 'variants', name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  const r = ganetiOs(installArgv('guix', { work, osDir, configRoot, cacheRoot }));
  if (r.code !== 0) throw new Error(`install failed: ${r.stderr}`);
  return fx;
}

/** The create environment for the guix OS. */
export function guixEnv(s: EnvSpec): Record<string, string> {
  return { ...instanceEnv(s), OS_NAME: 'guix', INSTANCE_OS: `guix+${s.variant}` };
}
