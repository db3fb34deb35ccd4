/**
 * The installed OS directories and scripts, run as Ganeti runs them (reset env, cwd = OS dir),
 * against real file disks and loop devices.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastLine, runOsScript } from '../../helpers/scripts.js';

const root = process.cwd();
const cli = join(root, 'dist/ganeti-os.mjs');
let work: string;
let osDir: string;
let libDir: string;
const loops: string[] = [];

function ganetiOs(...args: string[]): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [cli, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, stdout: err.stdout, stderr: err.stderr };
  }
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function instanceEnv(disk: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OS_API_VERSION: '20',
    OS_NAME: 'noop',
    OS_VARIANT: '',
    INSTANCE_NAME: 'inst1.example.org',
    INSTANCE_OS: 'noop',
    DISK_COUNT: '1',
    DISK_0_PATH: disk,
    DISK_0_ACCESS: 'rw',
    DISK_0_SIZE: '32',
    DISK_0_UUID: 'u0',
    NIC_COUNT: '0',
    ...extra,
  };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'gos-install-'));
  osDir = join(work, 'os');
  libDir = join(work, 'lib');
  mkdirSync(osDir);
});

afterAll(() => {
  for (const l of loops) execFileSync('losetup', ['-d', l]);
  rmSync(work, { recursive: true, force: true });
});

describe('ganeti-os install', () => {
  it('writes a valid OS directory with symlinked scripts and an absolute node shebang', () => {
    const r = ganetiOs('install', '--os-dir', osDir, '--lib-dir', libDir, '--search-path', osDir, 'noop');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`installed noop in ${osDir}/noop`);
    const dir = join(osDir, 'noop');
    // noop has no parameters: API 15 (no parameters.list, and Ganeti runs no verify before each add)
    expect(readFileSync(join(dir, 'ganeti_api_version'), 'utf8')).toBe('15\n10\n');
    expect(readFileSync(join(dir, 'variants.list'), 'utf8')).toBe('');
    expect(existsSync(join(dir, 'parameters.list'))).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, 'ganeti-os.json'), 'utf8'))).toMatchObject({
      provider: 'noop',
      noOp: ['create', 'rename'],
    });
    for (const s of ['create', 'import', 'export', 'rename', 'verify']) {
      expect(lstatSync(join(dir, s)).isSymbolicLink()).toBe(true);
      expect(readlinkSync(join(dir, s))).toBe(join(libDir, 'script.cjs'));
      expect(statSync(join(dir, s)).mode & 0o100).toBe(0o100);
    }
    expect(readFileSync(join(libDir, 'script.cjs'), 'utf8').split('\n')[0]).toBe(`#!${process.execPath}`);
  });

  it('is idempotent', () => {
    const before = statSync(join(osDir, 'noop', 'ganeti_api_version')).mtimeMs;
    const r = ganetiOs('install', '--os-dir', osDir, '--lib-dir', libDir, '--search-path', osDir, 'noop');
    expect(r.stdout).toContain('up to date noop');
    expect(statSync(join(osDir, 'noop', 'ganeti_api_version')).mtimeMs).toBe(before);
  });

  it('refuses an OS name another search directory holds, unless forced', () => {
    const other = join(work, 'other');
    mkdirSync(join(other, 'noop'), { recursive: true });
    const r = ganetiOs(
      'install',
      '--os-dir',
      osDir,
      '--lib-dir',
      libDir,
      '--search-path',
      `${osDir},${other}`,
      'noop',
    );
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toMatch(
      /^error\[E_OS_DUPLICATE\]: .*other\/noop already provides an OS named noop \(hint: .*--force\)$/,
    );
    expect(
      ganetiOs(
        'install',
        '--os-dir',
        osDir,
        '--lib-dir',
        libDir,
        '--search-path',
        `${osDir},${other}`,
        '--force',
        'noop',
      ).code,
    ).toBe(0);
  });

  it('installs a custom provider from a TypeScript module', () => {
    const r = ganetiOs(
      'install',
      '--os-dir',
      osDir,
      '--lib-dir',
      libDir,
      '--search-path',
      osDir,
      '--provider',
      join(root, 'test/fixtures/motd-provider.ts'),
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('installed motd');
    expect(readFileSync(join(osDir, 'motd', 'ganeti_api_version'), 'utf8')).toBe('20\n15\n10\n');
    expect(readFileSync(join(osDir, 'motd', 'variants.list'), 'utf8')).toBe('default\nloud\n');
    expect(readFileSync(join(osDir, 'motd', 'parameters.list'), 'utf8')).toBe(
      'greeting text written to the disk\ndelay seconds to wait before writing (for testing signals)\ntoken a secret that must never be logged\n',
    );
  });
});

describe('the scripts, run as Ganeti runs them', () => {
  it('verify parameters checks values and prints one line per problem', async () => {
    const dir = join(osDir, 'motd');
    const ok = await runOsScript(
      dir,
      'verify',
      { OS_API_VERSION: '20', OS_NAME: 'motd', OS_VARIANT: 'default', OSP_GREETING: 'hi' },
      { args: ['parameters'] },
    );
    expect(ok.code).toBe(0);
    const bad = await runOsScript(
      dir,
      'verify',
      { OS_API_VERSION: '20', OS_NAME: 'motd', OS_VARIANT: 'default', OSP_DELAY: 'soon' },
      { args: ['parameters'] },
    );
    expect(bad.code).toBe(1);
    expect(lastLine(bad.stderr)).toBe(
      'error[E_PARAM]: OS parameter delay must be an integer (got "soon") (hint: accepted: integer >= 0 <= 3600; see parameters.list)',
    );
    const cross = await runOsScript(
      dir,
      'verify',
      { OS_API_VERSION: '20', OS_NAME: 'motd', OS_VARIANT: 'loud', OSP_GREETING: 'quiet' },
      { args: ['parameters'] },
    );
    expect(lastLine(cross.stderr)).toBe(
      'error[E_PARAM]: variant loud needs an upper-case greeting (hint: use -O greeting=HELLO)',
    );
    const wrong = await runOsScript(
      dir,
      'verify',
      { OS_API_VERSION: '20', OS_NAME: 'motd', OS_VARIANT: '' },
      { args: ['other'] },
    );
    expect(wrong.code).toBe(1);
    expect(lastLine(wrong.stderr)).toMatch(/^error\[E_USAGE\]/);
  });

  it('prints usage with -h', async () => {
    const r = await runOsScript(join(osDir, 'motd'), 'create', {}, { args: ['-h'] });
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toMatch(/^usage: create\n/);
    expect(r.stdout.toString()).toContain('greeting');
  });

  it('reports a bad environment, every problem, the reason last', async () => {
    const r = await runOsScript(join(osDir, 'noop'), 'create', {
      OS_API_VERSION: '20',
      DISK_COUNT: '1',
      NIC_COUNT: 'x',
      DISK_0_ACCESS: 'rx',
    });
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.slice(0, 3)).toEqual([
      expect.stringMatching(/^error\[E_ENV\]: INSTANCE_NAME is missing/),
      expect.stringMatching(/^error\[E_ENV\]: DISK_0_ACCESS must be rw or ro/),
      expect.stringMatching(/^error\[E_ENV\]: NIC_COUNT must be a non-negative integer/),
    ]);
    expect(lastLine(r.stderr)).toMatch(/^error\[E_ENV\]: 3 problems: /);
  });

  it('noop exports a file disk byte for byte with its size on EXP_SIZE_FD, and imports it back without growing', async () => {
    const disk = join(work, 'disk.img');
    const data = randomBytes(32 * 1024 * 1024);
    writeFileSync(disk, data);
    const dir = join(osDir, 'noop');
    expect((await runOsScript(dir, 'create', instanceEnv(disk))).code).toBe(0);
    expect(sha(readFileSync(disk))).toBe(sha(data));
    const exp = await runOsScript(
      dir,
      'export',
      instanceEnv(disk, { EXPORT_DEVICE: disk, EXPORT_INDEX: '0' }),
      { sizeFd: true },
    );
    expect(exp.code).toBe(0);
    expect(exp.sizeFd).toBe(`${data.length}\n`);
    expect(sha(exp.stdout)).toBe(sha(data));
    const stream = join(work, 'stream');
    writeFileSync(stream, exp.stdout);
    const target = join(work, 'target.img');
    execFileSync('truncate', ['-s', '40M', target]);
    const imp = await runOsScript(
      dir,
      'import',
      instanceEnv(target, { IMPORT_DEVICE: target, IMPORT_INDEX: '0' }),
      { stdinFile: stream },
    );
    expect(imp.code).toBe(0);
    expect(statSync(target).size).toBe(40 * 1024 * 1024);
    expect(sha(readFileSync(target).subarray(0, data.length))).toBe(sha(data));
    const small = join(work, 'small.img');
    execFileSync('truncate', ['-s', '16M', small]);
    const tooBig = await runOsScript(
      dir,
      'import',
      instanceEnv(small, { IMPORT_DEVICE: small, IMPORT_INDEX: '0' }),
      { stdinFile: stream },
    );
    expect(tooBig.code).toBe(1);
    expect(lastLine(tooBig.stderr)).toMatch(
      /^error\[E_STREAM_TOO_LARGE\]: the import stream is larger than disk/,
    );
    expect(statSync(small).size).toBe(16 * 1024 * 1024);
  });

  it('noop exports and imports a block device (loop)', async () => {
    const file = join(work, 'block.img');
    writeFileSync(file, randomBytes(8 * 1024 * 1024));
    const loop = execFileSync('losetup', ['--find', '--show', file], { encoding: 'utf8' }).trim();
    loops.push(loop);
    const dir = join(osDir, 'noop');
    const exp = await runOsScript(
      dir,
      'export',
      instanceEnv(loop, { EXPORT_DEVICE: loop, EXPORT_INDEX: '0' }),
      { sizeFd: true },
    );
    expect(exp.code).toBe(0);
    expect(exp.sizeFd).toBe(`${8 * 1024 * 1024}\n`);
    expect(sha(exp.stdout)).toBe(sha(readFileSync(file)));
  });

  it('a custom provider runs, never logs a private value, and cleans up on SIGTERM', async () => {
    const disk = join(work, 'motd.img');
    execFileSync('truncate', ['-s', '1M', disk]);
    const dir = join(osDir, 'motd');
    const env = {
      ...instanceEnv(disk),
      OS_NAME: 'motd',
      OS_VARIANT: 'loud',
      INSTANCE_OS: 'motd+loud',
      OSP_GREETING: 'HELLO',
      OSP_TOKEN: 'tok-123456',
    };
    const ok = await runOsScript(dir, 'create', env);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('token ***');
    expect(ok.stderr).not.toContain('tok-123456');
    expect(readFileSync(disk).subarray(0, 5).toString()).toBe('HELLO');
    const marker = '/run/motd-inst1.example.org.working';
    const killed = await runOsScript(
      dir,
      'create',
      { ...env, OSP_DELAY: '30' },
      {
        onSpawn: (pid) => {
          const t = setInterval(() => {
            if (existsSync(marker)) {
              clearInterval(t);
              process.kill(pid, 'SIGTERM');
            }
          }, 50);
        },
      },
    );
    expect(killed.code).toBe(143);
    expect(existsSync(marker)).toBe(false);
    expect(lastLine(killed.stderr)).toMatch(/^error\[E_INTERRUPTED\]: stopped by SIGTERM/);
  });

  it('answers an operation the provider leaves out with E_UNSUPPORTED', async () => {
    const disk = join(work, 'motd-export.img');
    execFileSync('truncate', ['-s', '1M', disk]);
    const env = { ...instanceEnv(disk), OS_NAME: 'motd', OS_VARIANT: 'default', INSTANCE_OS: 'motd+default' };
    const exp = await runOsScript(join(osDir, 'motd'), 'export', {
      ...env,
      EXPORT_DEVICE: disk,
      EXPORT_INDEX: '0',
    });
    expect(exp.code).not.toBe(0);
    expect(exp.stdout.length).toBe(0);
    expect(lastLine(exp.stderr)).toMatch(
      /^error\[E_UNSUPPORTED\]: motd does not support export \(hint: .*noop.*\)$/,
    );
  });
});

describe('ganeti-os uninstall', () => {
  it('removes what it installed', () => {
    expect(ganetiOs('uninstall', '--os-dir', osDir, 'noop', 'motd').code).toBe(0);
    expect(existsSync(join(osDir, 'noop'))).toBe(false);
    expect(existsSync(join(osDir, 'motd'))).toBe(false);
  });
});
