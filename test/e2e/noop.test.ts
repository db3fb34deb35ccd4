/**
 * Our providers through a real Ganeti: `ganeti-os install` into /srv/ganeti/os, `gnt-os diagnose/
 * list/info` agree with what was installed, and the noop life cycle (add with 2 file disks,
 * reinstall, rename, export, import, remove) keeps the disk bytes intact end to end.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EXPORT_DIR,
  INSTANCE_OPTS,
  NODE_NAME,
  ROOT_DIR,
  down,
  hideOsDir,
  must,
  osLogs,
  privateOsDir,
  run,
  sha256,
  showOsDir,
  up,
  backupImportArgv,
} from '../helpers/ganeti-harness.js';
import { parseDiagnose, parseOsInfo, parseOsList } from '../helpers/ganeti-output.js';
import {
  type InstalledOs,
  OUR_OS_DIR,
  diskFiles,
  ganetiOs,
  installArgs,
  installOurs,
  uninstallOurs,
} from '../helpers/ganeti-ours.js';
import { expectCleanHost } from '../helpers/ganeti-clean.js';

const DEBIAN_OS_DIR = '/usr/share/ganeti/os';
let installed: InstalledOs[] = [];

beforeAll(async () => {
  await up();
  await privateOsDir(OUR_OS_DIR);
});

afterAll(async () => {
  await down();
  await expectCleanHost();
});

describe('ganeti-os install into a Ganeti OS search dir', () => {
  it('refuses a name another search dir already provides, unless --force', async () => {
    const r = await ganetiOs(installArgs(['noop']));
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`${DEBIAN_OS_DIR}/noop`);
    expect((await must(['ls', OUR_OS_DIR])).stdout).toBe('');
  });

  it('installs every built-in provider, each valid in gnt-os diagnose', async () => {
    installed = await installOurs([], { force: true });
    expect(installed.map((o) => o.name)).toContain('noop');
    await hideOsDir(DEBIAN_OS_DIR); // Debian's noop/debootstrap have the same names
    const diag = parseDiagnose((await must(['gnt-os', 'diagnose'])).stdout);
    for (const os of installed) {
      const d = diag.get(os.name);
      expect(d, `${os.name} missing from gnt-os diagnose`).toBeDefined();
      expect(d!.status, d!.nodes[0]?.line).toBe('valid');
      expect(d!.nodes[0]!.path).toBe(`${OUR_OS_DIR}/${os.name}`);
      // noop has no parameters and declares API 15 (Ganeti then runs no verify before each add).
      expect(d!.nodes[0]!.line).toMatch(
        os.name === 'noop' ? /\[API versions: 15, 10\]/ : /\[API versions: 20, 15, 10\]/,
      );
      expect(d!.nodes[0]!.line).toMatch(/\[trusted\]$/);
    }
  });

  it('gnt-os list and gnt-os info show the installed variants and parameters', async () => {
    const list = parseOsList((await must(['gnt-os', 'list', '--no-headers'])).stdout);
    const info = parseOsInfo((await must(['gnt-os', 'info'])).stdout);
    for (const os of installed) {
      const names = os.variants.length ? os.variants.map((v) => `${os.name}+${v}`) : [os.name];
      expect(list).toEqual(expect.arrayContaining(names));
      const i = info.get(os.name)!;
      expect(i).toMatchObject({ valid: true, hidden: false, blacklisted: false, trusted: true });
      expect(i.apiVersions).toContain(os.name === 'noop' ? 15 : 20);
      // Ganeti sorts variants (their set is intersected over nodes); variants.list order is the default's.
      expect(i.variants).toEqual([...os.variants].sort());
      // gnt-os info lists the parameters sorted; parameters.list keeps the declaration order.
      expect(i.parameters.map(([n]) => n).sort()).toEqual([...os.params].sort());
      for (const [, desc] of i.parameters) expect(desc.trim()).not.toBe('');
    }
    expect(list).toContain('noop');
  });

  it('install is idempotent', async () => {
    const again = await installOurs(['noop'], { force: true });
    expect(again).toEqual([expect.objectContaining({ name: 'noop', changed: false })]);
  });
});

describe('noop life cycle through Ganeti', () => {
  const source: string[] = [];

  it('gnt-instance add -o noop with 2 file disks leaves the disks untouched', async () => {
    await must([
      'gnt-instance',
      'add',
      '-t',
      'file',
      '--disk',
      '0:size=8M',
      '--disk',
      '1:size=4M',
      '-o',
      'noop',
      '--no-start',
      ...INSTANCE_OPTS,
      'n1',
    ]);
    const disks = await diskFiles('n1');
    expect(disks).toHaveLength(2);
    for (const d of disks) {
      await must(['dd', 'if=/dev/urandom', `of=${d}`, 'bs=1M', 'count=4', 'conv=notrunc', 'status=none']);
      source.push(await sha256(d));
    }
    expect(await osLogs((n) => n.startsWith('add-noop-n1-'))).toHaveLength(1);
  });

  it('reinstall succeeds and does not touch the disks', async () => {
    await must(['gnt-instance', 'reinstall', '-f', 'n1']);
    expect(await Promise.all((await diskFiles('n1')).map(sha256))).toEqual(source);
  });

  it('rename succeeds', async () => {
    const r = await must(['gnt-instance', 'rename', '-f', '--no-name-check', '--no-ip-check', 'n1', 'n2']);
    expect(r.stdout + r.stderr).not.toContain('Could not run OS rename script');
    expect(await Promise.all((await diskFiles('n2')).map(sha256))).toEqual(source);
  });

  it('gnt-backup export stores exactly the disk bytes', async () => {
    await must(['gnt-backup', 'export', '-n', NODE_NAME, 'n2']);
    const ini = await readFile(`${ROOT_DIR}/lib/export/n2/config.ini`, 'utf8');
    expect(ini).toMatch(/^os = noop$/m);
    for (const [i, sum] of source.entries()) {
      const dump = new RegExp(`^disk${i}_dump = (.+)$`, 'm').exec(ini)![1]!;
      expect(await sha256(`${EXPORT_DIR}/n2/${dump}`)).toBe(sum);
    }
  });

  it('gnt-backup import restores exactly the exported bytes', async () => {
    const r = await must(backupImportArgv('n2', 'n3'));
    expect(r.stdout + r.stderr).not.toContain('Could not run OS rename script');
    expect(await Promise.all((await diskFiles('n3')).map(sha256))).toEqual(source);
  });

  it('gnt-instance remove succeeds for both instances', async () => {
    for (const inst of ['n2', 'n3']) await must(['gnt-instance', 'remove', '-f', inst]);
    await must(['gnt-backup', 'remove', 'n2']);
    expect((await must(['gnt-instance', 'list', '--no-headers', '-o', 'name'])).stdout).toBe('');
  });
});

describe('ganeti-os uninstall', () => {
  it('removes the OS dirs; Ganeti no longer lists them', async () => {
    await uninstallOurs(installed.map((o) => o.name));
    expect((await must(['ls', OUR_OS_DIR])).stdout).toBe('');
    expect(parseOsList((await must(['gnt-os', 'list', '--no-headers'])).stdout)).toEqual([]);
    await showOsDir(DEBIAN_OS_DIR);
    expect(parseOsList((await run(['gnt-os', 'list', '--no-headers'])).stdout)).toContain('noop');
  });
});
