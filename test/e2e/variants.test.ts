/**
 * debootstrap's variants and parameters as a real Ganeti sees them: the shipped variants after
 * `ganeti-os install`, a variant file an admin drops in the config dir (published by `ganeti-os
 * variants sync`, not before; unpublished again when removed), the parameters in `gnt-os info`,
 * and the adds Ganeti refuses: a bad parameter (our verify's one-line error) and an unknown variant.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  INSTANCE_OPTS,
  down,
  hideOsDir,
  must,
  osLogs,
  privateOsDir,
  run,
  up,
} from '../helpers/ganeti-harness.js';
import { parseDiagnose, parseOsInfo, parseOsList } from '../helpers/ganeti-output.js';
import { type InstalledOs, OUR_OS_DIR, ganetiOs, installOurs } from '../helpers/ganeti-ours.js';
import { installedPaths } from '../helpers/ganeti-cache.js';
import { expectCleanHost } from '../helpers/ganeti-clean.js';

const DEBIAN_OS_DIR = '/usr/share/ganeti/os';
const SHIPPED = ['default', 'bookworm', 'buster', 'testing+contrib+paravirtualized', 'trixie'];
let installed: InstalledOs;
let mine: string;

const osList = async (): Promise<string[]> =>
  parseOsList((await must(['gnt-os', 'list', '--no-headers'])).stdout);
const sync = (): Promise<unknown> =>
  ganetiOs(['variants', 'sync', 'debootstrap', '--os-dir', OUR_OS_DIR], { check: true });

/** `gnt-instance add` of a small debootstrap instance that is expected to be refused. */
async function refusedAdd(os: string, ...extra: string[]): Promise<string> {
  const r = await run([
    'gnt-instance',
    'add',
    '-t',
    'file',
    '--disk',
    '0:size=1G',
    '-o',
    os,
    ...extra,
    '--no-start',
    ...INSTANCE_OPTS,
    'refused1',
  ]);
  expect(r.exitCode, r.stdout + r.stderr).not.toBe(0);
  // Refused before anything was created: no instance, no create log.
  expect((await must(['gnt-instance', 'list', '--no-headers', '-o', 'name'])).stdout).toBe('');
  expect(await osLogs((n) => n.includes('refused1'))).toEqual([]);
  expect((await must(['ls', '/srv/ganeti/file-storage'])).stdout).toBe('');
  return r.stdout + r.stderr;
}

beforeAll(async () => {
  await up();
  await privateOsDir(OUR_OS_DIR);
  await hideOsDir(DEBIAN_OS_DIR); // Debian's instance-debootstrap has the same name
  [installed] = (await installOurs(['debootstrap'], { force: true })) as [InstalledOs];
  mine = join((await installedPaths('debootstrap')).configDir, 'variants', 'mine.yaml');
});

afterAll(async () => {
  await down();
  await expectCleanHost();
});

describe('debootstrap variants in Ganeti', () => {
  it('gnt-os list shows every shipped variant after install', async () => {
    expect(installed.variants).toEqual(expect.arrayContaining(SHIPPED));
    expect(installed.variants[0]).toBe('default');
    const list = await osList();
    expect(list).toEqual(expect.arrayContaining(SHIPPED.map((v) => `debootstrap+${v}`)));
    expect(list.filter((n) => n.startsWith('debootstrap+')).sort()).toEqual(
      installed.variants.map((v) => `debootstrap+${v}`).sort(),
    );
    const diag = parseDiagnose((await must(['gnt-os', 'diagnose'])).stdout).get('debootstrap');
    expect(diag?.status).toBe('valid');
  });

  it('gnt-os info debootstrap shows the parameters with their descriptions', async () => {
    const info = parseOsInfo((await must(['gnt-os', 'info', 'debootstrap'])).stdout).get('debootstrap')!;
    expect(info).toMatchObject({ valid: true, hidden: false, blacklisted: false, trusted: true });
    expect(info.apiVersions).toContain(20);
    expect(info.parameters.map(([n]) => n).sort()).toEqual(
      [
        'filesystem',
        'root-password',
        'ssh-key',
        'timezone',
        'ssh-authorized-keys',
        'root-password-hash',
        'cloud-userdata',
        'dns-nameservers',
      ].sort(),
    );
    const desc = Object.fromEntries(info.parameters);
    expect(desc.filesystem).toMatch(/ext4/);
    expect(desc['root-password']).toMatch(/password/);
    expect(desc['ssh-key']).toMatch(/ssh public key/);
  });

  it('a variant file dropped in the config dir is published by `variants sync`, not before', async () => {
    await mkdir(join(mine, '..'), { recursive: true });
    await writeFile(mine, "description: this site's Debian\nextend: bookworm\n");
    expect(await osList()).not.toContain('debootstrap+mine');
    expect(await refusedAdd('debootstrap+mine')).toContain(
      "OS 'debootstrap' does not support variant 'mine'",
    );

    await sync();
    expect(await osList()).toContain('debootstrap+mine');
    const info = parseOsInfo((await must(['gnt-os', 'info', 'debootstrap'])).stdout).get('debootstrap')!;
    expect(info.variants).toContain('mine');
    expect(parseDiagnose((await must(['gnt-os', 'diagnose'])).stdout).get('debootstrap')?.status).toBe(
      'valid',
    );
  });

  it('removing the file and syncing again unpublishes it', async () => {
    await rm(mine);
    await sync();
    const list = await osList();
    expect(list).not.toContain('debootstrap+mine');
    expect(list).toEqual(expect.arrayContaining(SHIPPED.map((v) => `debootstrap+${v}`)));
  });

  it('-O filesystem=vfat is refused by our verify with a one-line error', async () => {
    const out = await refusedAdd('debootstrap+bookworm', '-O', 'filesystem=vfat');
    const lines = out.trimEnd().split('\n');
    const at = lines.findIndex((l) => l.includes('OS validation script failed'));
    expect(lines[at], out).toMatch(
      /OS validation script failed \(exited with exit code 1\), output: error\[E_PARAM\]: OS parameter filesystem must be one of ext2, ext3, ext4, xfs, btrfs\b/,
    );
    expect(at, `verify printed more than one line:\n${out}`).toBe(lines.length - 1);
  });

  it('an unknown variant is refused by Ganeti', async () => {
    expect(await refusedAdd('debootstrap+nope')).toContain(
      "OS 'debootstrap' does not support variant 'nope'",
    );
  });

  it('a published variant broken on this node afterwards is refused in verify, before any disk, naming file and line', async () => {
    await writeFile(mine, 'extend: bookworm\n');
    await sync();
    expect(await osList()).toContain('debootstrap+mine');
    // The admin then breaks it (an unknown key on line 2) without syncing.
    await writeFile(mine, 'extend: bookworm\ncolour: blue\n');
    const out = await refusedAdd('debootstrap+mine');
    expect(out).toContain('OS validation script failed');
    expect(out).toMatch(/error\[E_VARIANT_\w+\]: .*mine\.yaml:2\b/);
    // ... and `variants sync` refuses to publish it again.
    const r = await ganetiOs(['variants', 'sync', 'debootstrap', '--os-dir', OUR_OS_DIR]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(/^error\[/);
    await rm(mine);
    await sync();
  });
});
