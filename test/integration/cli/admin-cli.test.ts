/**
 * The admin CLI as an admin runs it (the built `dist/ganeti-os.mjs`), against a scratch OS directory
 * and configuration root: unknown OS names, empty answers, the hooks preflight of `variants show
 * --hooks`, the default variant and instance-debootstrap's own files.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const cli = join(process.cwd(), 'dist/ganeti-os.mjs');
let work: string;
let osDir: string;
let configRoot: string;
let debConf: string;

function ganetiOs(...args: string[]): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [cli, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    });
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, stdout: err.stdout, stderr: err.stderr };
  }
}
const variants = (...args: string[]) =>
  ganetiOs('variants', ...args, '--os-dir', osDir, '--config-root', configRoot);

function hook(file: string, executable = true): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, '#!/bin/sh\nexit 0\n');
  chmodSync(file, executable ? 0o755 : 0o644);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'gos-cli-'));
  osDir = join(work, 'os');
  configRoot = join(work, 'etc', 'ganeti');
  debConf = join(configRoot, 'instance-debootstrap');
  mkdirSync(osDir);
  mkdirSync(join(debConf, 'variants'), { recursive: true });
  mkdirSync(join(work, 'etc', 'default'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('unknown names and empty answers', () => {
  it('cache list with a misspelt OS is an error naming it and the known ones', () => {
    const r = ganetiOs('cache', 'list', 'debootstap', '--os-dir', osDir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error[E_PROVIDER_UNKNOWN]: unknown OS "debootstap"');
    expect(r.stderr).toMatch(/known OSes: .*debootstrap/);
    expect(r.stderr).not.toContain('--provider');
  });

  it('variants sync with nothing installed says so and fails', () => {
    const r = variants('sync');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error[E_NOT_INSTALLED]: no OS with variants is installed in ${osDir}`);
    expect(r.stderr).toContain(`ganeti-os install --os-dir ${osDir}`);
  });

  it('variants list noop: an OS without variants has an empty list, as text and JSON', () => {
    expect(variants('list', 'noop', '--json')).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
    expect(variants('list', 'noop')).toEqual({ code: 0, stdout: 'noop: no variants\n', stderr: '' });
    expect(JSON.parse(variants('list', '--json').stdout)).toMatchObject({ noop: [] });
  });
});

describe('the default variant', () => {
  it('is Debian stable, trixie; bookworm and trixie stay', () => {
    const show = JSON.parse(variants('show', 'debootstrap+default', '--json').stdout) as {
      values: Record<string, unknown>;
    };
    expect(show.values['suite']).toBe('trixie');
    const list = JSON.parse(variants('list', 'debootstrap', '--json').stdout) as {
      name: string;
      description: string;
    }[];
    expect(list[0]).toMatchObject({ name: 'default', description: 'Debian stable (trixie)' });
    expect(list.map((v) => v.name)).toEqual(expect.arrayContaining(['bookworm', 'trixie']));
  });
});

describe('variants show --hooks', () => {
  it('lists the hooks per phase in run order, and what would not run and why', () => {
    const hooks = join(debConf, 'hooks');
    hook(join(hooks, '10-motd'));
    hook(join(hooks, 'post-bootstrap', '05-apt')); // the old name of post-populate
    hook(join(hooks, 'grub.sh'));
    hook(join(work, 'site', 'pre-unmount', '90-last'));
    writeFileSync(join(debConf, 'variants', 'web.yaml'), `extend: bookworm\nhooks: ${join(work, 'site')}\n`);
    const r = variants('show', 'debootstrap+web', '--hooks');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const at = (s: string) => lines.findIndex((l) => l.startsWith(s));
    expect(at('post-populate:')).toBeLessThan(at('  05-apt'));
    expect(at('  05-apt')).toBeLessThan(at('post-config:'));
    expect(at('post-config:')).toBeLessThan(at('  10-motd'));
    expect(at('pre-unmount:')).toBeLessThan(at('  90-last'));
    expect(r.stdout).toMatch(/not run:\n {2}hook .*grub\.sh is not run: its name has characters outside/);

    const json = JSON.parse(variants('show', 'debootstrap+web', '--hooks', '--json').stdout) as {
      phases: Record<string, { name: string; source: string }[]>;
    };
    expect(Object.keys(json.phases)).toEqual(['post-populate', 'post-config', 'pre-unmount']);
    expect(json.phases['pre-unmount']).toEqual([
      expect.objectContaining({ name: '90-last', source: 'variant' }),
    ]);
  });

  it('names the variant key that turns the provider-wide hooks off', () => {
    writeFileSync(join(debConf, 'variants', 'solo.yaml'), 'extend: bookworm\nprovider-hooks: false\n');
    const r = variants('show', 'debootstrap+solo', '--hooks');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `10-motd is not run: provider-hooks is false [${join(debConf, 'variants', 'solo.yaml')}:2]`,
    );
  });

  it('a hook that would fail the create (chmod -x) is a problem, and the command fails', () => {
    hook(join(debConf, 'hooks', '20-disabled'), false);
    const r = variants('show', 'debootstrap+web', '--hooks');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('problems (a create with this variant fails):');
    expect(r.stderr).toContain('error[E_HOOK_NOT_EXECUTABLE]');
    rmSync(join(debConf, 'hooks'), { recursive: true });
  });
});

describe("instance-debootstrap's files", () => {
  it('its variants.list publishes its .conf variants, first line first; its values read as it read them', () => {
    writeFileSync(join(work, 'etc', 'default', 'ganeti-instance-debootstrap'), 'GENERATE_CACHE="false"\n');
    writeFileSync(join(debConf, 'variants', 'old.conf'), 'SUITE=bookworm\n');
    writeFileSync(join(debConf, 'variants', 'unlisted.conf'), 'SUITE=bookworm\n');
    writeFileSync(join(debConf, 'variants.list'), 'old\n');
    const list = JSON.parse(variants('list', 'debootstrap', '--all', '--json').stdout) as {
      name: string;
      published: boolean;
    }[];
    expect(list[0]).toMatchObject({ name: 'old', published: true });
    expect(list.find((v) => v.name === 'unlisted')).toMatchObject({ published: false });
    const r = variants('show', 'debootstrap+old');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /generate-cache +false +\[legacy:.*ganeti-instance-debootstrap \(GENERATE_CACHE\)\]/,
    );
    expect(r.stdout).toMatch(/root-password +empty +\[legacy:.*old\.conf \(passwd -d root\)\]/);
  });
});
