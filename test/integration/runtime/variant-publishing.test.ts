/**
 * A variant that does not resolve never reaches Ganeti: install and `variants sync` refuse it (or,
 * with --skip-broken, leave it out), and the installed `verify parameters` resolves OS_VARIANT, so
 * that Ganeti rejects the instance before it makes the disks. Real installed scripts, run as Ganeti
 * runs them, against a scratch OS directory and configuration root.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastLine, runOsScript } from '../../helpers/scripts.js';

const cli = join(process.cwd(), 'dist/ganeti-os.mjs');
let work = '';
let osDir = '';
let variantsDir = '';

function ganetiOs(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const where = (): string[] => ['--os-dir', osDir, '--config-root', join(work, 'etc')];
const install = (...extra: string[]) =>
  ganetiOs(
    'install',
    ...where(),
    '--lib-dir',
    join(work, 'lib'),
    '--search-path',
    osDir,
    ...extra,
    'debootstrap',
  );
const published = (): string[] =>
  readFileSync(join(osDir, 'debootstrap', 'variants.list'), 'utf8')
    .trim()
    .split('\n');
const verify = (variant: string) =>
  runOsScript(
    join(osDir, 'debootstrap'),
    'verify',
    { OS_API_VERSION: '20', OS_NAME: 'debootstrap', OS_VARIANT: variant },
    { args: ['parameters'] },
  );
const variant = (file: string, text: string): void => writeFileSync(join(variantsDir, file), text);

/** The line of a broken variant's problem: `<os>+<name> does not resolve: <file>:<line>: <problem>`. */
const BROKEN = {
  'unknown-key': /debootstrap\+unknown-key does not resolve: \S*\/unknown-key\.yaml:2: unknown key "colour"/,
  'bad-syntax': /debootstrap\+bad-syntax does not resolve: \S*\/bad-syntax\.yaml:\d+: YAML syntax error/,
  orphan: /debootstrap\+orphan does not resolve: \S*\/orphan\.yaml:1: extend: variant "nosuch" not found/,
  shell: /debootstrap\+shell does not resolve: .*\/shell\.conf: line 2: syntax error/,
};

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'gos-variant-publish-'));
  osDir = join(work, 'os');
  variantsDir = join(work, 'etc', 'instance-debootstrap', 'variants');
  mkdirSync(osDir);
  mkdirSync(variantsDir, { recursive: true });
  variant('good.yaml', 'description: a good one\nextend: bookworm\n');
  variant('unknown-key.yaml', 'description: a typo\ncolour: blue\n');
  variant('bad-syntax.yaml', 'description: unclosed\nsuite: [bookworm\n');
  variant('orphan.yaml', 'extend: nosuch\n');
  variant('shell.conf', 'SUITE=bookworm\nif then\n');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('ganeti-os install', () => {
  it('refuses variants that do not resolve, one line each with file and line, and writes nothing', () => {
    const r = install();
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n').slice(0, -1); // the last one sums them up
    for (const re of Object.values(BROKEN))
      expect(lines.filter((l) => /^error\[E_\w+\]: /.test(l) && re.test(l))).toHaveLength(1);
    expect(lastLine(r.stderr)).toMatch(/^error\[E_\w+\]: 4 problems: .*\(hint: .*--skip-broken.*\)$/);
    expect(existsSync(join(osDir, 'debootstrap'))).toBe(false);
  });

  it('with --skip-broken, publishes the rest and warns about each one left out', () => {
    const r = install('--skip-broken');
    expect(r.code).toBe(0);
    for (const [name, re] of Object.entries(BROKEN)) {
      const warning = r.stderr.split('\n').filter((l) => l.includes(`debootstrap+${name} not published: `));
      expect(warning).toHaveLength(1);
      expect(warning[0]!.replace(' not published: ', ' does not resolve: ')).toMatch(re);
    }
    expect(published()).toContain('good');
    expect(published()).toContain('bookworm');
    for (const name of Object.keys(BROKEN)) expect(published()).not.toContain(name);
  });
});

describe('verify parameters checks OS_VARIANT before Ganeti makes the disks', () => {
  it('passes a good variant, and an empty one, with no output', async () => {
    for (const v of ['good', 'bookworm', '']) {
      const r = await verify(v);
      expect({ v, code: r.code, stderr: r.stderr, stdout: r.stdout.toString() }).toEqual({
        v,
        code: 0,
        stderr: '',
        stdout: '',
      });
    }
  });

  it('fails a broken variant naming its file and line', async () => {
    const r = await verify('unknown-key');
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toMatch(
      /^error\[E_VARIANT_KEY\]: \S*\/unknown-key\.yaml:2: unknown key "colour"/,
    );
    const shell = await verify('shell');
    expect(shell.code).toBe(1);
    expect(lastLine(shell.stderr)).toMatch(
      /^error\[E_LEGACY_CONFIG\]: .*\/shell\.conf: line 2: syntax error/,
    );
  });

  it('fails a name that is not published', async () => {
    const r = await verify('sid');
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toMatch(
      /^error\[E_VARIANT_UNKNOWN\]: variant sid is not published by debootstrap \(hint: choose one of: default, .*good/,
    );
  });

  it('resolves a published variant edited since: still good passes quietly, broken fails with file and line', async () => {
    variant('good.yaml', 'description: a good one, edited\nextend: bookworm\n');
    const ok = await verify('good');
    expect([ok.code, ok.stderr]).toEqual([0, '']);
    variant('good.yaml', 'description: broken now\nextend: bookworm\nsuite: [trixie\n');
    const r = await verify('good');
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toMatch(/^error\[E_VARIANT_SYNTAX\]: \S*\/good\.yaml:\d+: YAML syntax error/);
    // A new admin file over a shipped variant is an edit too.
    variant('bookworm.yaml', 'extend: bookworm\nsize: 3\n');
    const over = await verify('bookworm');
    expect(over.code).toBe(1);
    expect(lastLine(over.stderr)).toMatch(
      /^error\[E_VARIANT_KEY\]: \S*etc\/instance-debootstrap\/variants\/bookworm\.yaml:2: unknown key "size"/,
    );
    rmSync(join(variantsDir, 'bookworm.yaml'));
  });
});

describe('ganeti-os variants sync', () => {
  it('refuses a variant that no longer resolves and leaves variants.list as it was', () => {
    const before = published();
    const r = ganetiOs('variants', 'sync', ...where(), 'debootstrap');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/debootstrap\+good does not resolve: \S*\/good\.yaml:\d+: YAML syntax error/);
    expect(lastLine(r.stderr)).toMatch(/--skip-broken/);
    expect(published()).toEqual(before);
  });

  it("with --skip-broken, publishes the rest; verify then names the skipped one's file and line", async () => {
    const r = ganetiOs('variants', 'sync', ...where(), '--skip-broken', 'debootstrap');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/debootstrap\+good not published: \S*\/good\.yaml:\d+: YAML syntax error/);
    expect(published()).not.toContain('good');
    expect(published()).toContain('bookworm');
    const v = await verify('good');
    expect(v.code).toBe(1);
    expect(lastLine(v.stderr)).toMatch(/\/good\.yaml:\d+: YAML syntax error/);
  });

  it('publishes a fixed variant again, and verify passes it quietly', async () => {
    variant('good.yaml', 'description: fixed\nextend: bookworm\n');
    const r = ganetiOs('variants', 'sync', ...where(), '--skip-broken', 'debootstrap');
    expect(r.code).toBe(0);
    expect(published()).toContain('good');
    const v = await verify('good');
    expect([v.code, v.stderr]).toEqual([0, '']);
  });
});
