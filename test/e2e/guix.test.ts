/**
 * The guix provider through a real Ganeti, with a STAND-IN guix (test/fixtures/guix-standin; the
 * cluster has no route to Guix's servers and this machine has no guix to install with): installed
 * with `ganeti-os install guix`, valid in `gnt-os diagnose`, its parameters in `gnt-os info guix`,
 * then `gnt-instance add -o guix+default`, where the admin's `default.yaml` names the stand-in
 * (copied below the harness state, where the daemons see it at the same path) and the shipped
 * default configuration. The real-guix evaluation of the shipped variants is test/integration/guix-real.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanHost } from '../helpers/ganeti-clean.js';
import { installedPaths, type InstalledPaths } from '../helpers/ganeti-cache.js';
import { diskLayout, guestCat, hostPath } from '../helpers/ganeti-guest.js';
import { INSTANCE_OPTS, STATE_DIR, down, must, osLogs, privateOsDir, up } from '../helpers/ganeti-harness.js';
import { parseDiagnose, parseOsInfo } from '../helpers/ganeti-output.js';
import { OUR_OS_DIR, diskFiles, ganetiOs, installOurs } from '../helpers/ganeti-ours.js';

const STANDIN_DIR = `${STATE_DIR}/guix-standin`;
const STANDIN = join(STANDIN_DIR, 'guix-standin');
const LOG = join(STANDIN_DIR, 'calls.log');

let paths: InstalledPaths;

beforeAll(async () => {
  await up();
  await privateOsDir(OUR_OS_DIR);
  await installOurs(['guix'], { force: true });
  paths = await installedPaths('guix');
  await mkdir(join(STANDIN_DIR, 'store'), { recursive: true });
  await mkdir(join(STANDIN_DIR, 'gcroots'), { recursive: true });
  await copyFile(join(process.cwd(), 'test/fixtures/guix-standin'), STANDIN);
  await writeFile(
    `${STANDIN}.json`,
    JSON.stringify({ GUIX_STANDIN_LOG: LOG, GUIX_STANDIN_STORE: join(STANDIN_DIR, 'store') }),
  );
  const variants = join(paths.configDir, 'variants');
  await mkdir(variants, { recursive: true });
  // The admin's default.yaml: the shipped default.scm (found by name), installed by the stand-in.
  await writeFile(
    join(variants, 'default.yaml'),
    `guix: ${STANDIN}\nsubstitute-urls: []\ngc-root-dir: ${join(STANDIN_DIR, 'gcroots')}\n`,
  );
}, 300_000);

afterAll(async () => {
  await down();
  await expectCleanHost();
});

describe('the guix provider through Ganeti (stand-in guix)', () => {
  it('gnt-os diagnose: valid; gnt-os info lists its parameters', async () => {
    await ganetiOs(['variants', 'sync', 'guix'], { check: true });
    const diagnose = parseDiagnose((await must(['gnt-os', 'diagnose'])).stdout);
    expect(diagnose.get('guix')?.status).toBe('valid');
    const info = parseOsInfo((await must(['gnt-os', 'info', 'guix'])).stdout).get('guix')!;
    expect(info).toMatchObject({ valid: true, hidden: false, blacklisted: false });
    const names = info.parameters.map(([n]) => n);
    expect(names).toEqual(
      expect.arrayContaining([
        'commit',
        'branch',
        'repo_uri',
        'disable_authentication',
        'system',
        'target',
        'filesystem',
        'layout',
        'part_size',
        'swap',
        'luks_passphrase',
      ]),
    );
    for (const [, desc] of info.parameters) expect(desc.trim()).not.toBe('');
  });

  it('gnt-instance add -o guix+default installs through the stand-in', async () => {
    const name = 'gx1.example.org';
    await must([
      'gnt-instance',
      'add',
      '-t',
      'file',
      '--disk',
      '0:size=1G',
      '-o',
      'guix+default',
      '-O',
      'part_size=800M',
      '--no-start',
      ...INSTANCE_OPTS,
      name,
    ]);
    const logs = await osLogs((n) => n.startsWith(`add-guix+default-${name}-`));
    expect(logs).toHaveLength(1);
    expect(logs[0]!.text.trimEnd().split('\n').at(-1)).toBe(`${name} installed`);
    const calls = (await readFile(LOG, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { argv: string[] });
    expect(calls.map((c) => c.argv.slice(0, 2))).toEqual([
      ['system', 'build'],
      ['system', 'init'],
    ]);
    const disk = hostPath((await diskFiles(name))[0]!);
    expect(await guestCat(disk, '/etc/ganeti-os/hostname')).toBe('gx1\n');
    expect(await guestCat(disk, '/etc/ganeti-os/instance-data.scm')).toContain(
      '(define ganeti-host-name "gx1")',
    );
    const layout = await diskLayout(disk);
    const root = layout.partitions.at(-1)!;
    expect(root.sizeBytes).toBe(800 * 1024 * 1024);
  });
});
