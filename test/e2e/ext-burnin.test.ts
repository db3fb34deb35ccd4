/**
 * Our providers on block devices: Ganeti's `ext` disk template through the `loop` ExtStorage
 * provider (test/fixtures/extstorage-loop, one loop device per volume). The provider's scripts
 * are checked directly, then `gnt-instance add -t ext -o debootstrap+bookworm` installs a guest on
 * a loop device, then Ganeti's own burnin runs `-t ext` with `-o noop` and with
 * `-o debootstrap+bookworm`, export and import included, and leaves no instance, export, volume
 * or loop device behind.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanHost } from '../helpers/ganeti-clean.js';
import { installedPaths, seedCache, warmOnHost } from '../helpers/ganeti-cache.js';
import {
  EXT_PROVIDER,
  ES_DIR,
  HOST_VOLUME_DIR,
  VOLUME_DIR,
  type BurninOptions,
  burninArgv,
  enableExtStorage,
  extLoops,
  extVolumes,
} from '../helpers/ganeti-extstorage.js';
import {
  EXPORT_DIR,
  INSTANCE_OPTS,
  ROOT_DIR,
  down,
  hideOsDir,
  must,
  osLogs,
  privateOsDir,
  run,
  up,
} from '../helpers/ganeti-harness.js';
import { guestCat } from '../helpers/ganeti-guest.js';
import { OUR_OS_DIR, installOurs } from '../helpers/ganeti-ours.js';

const DEBIAN_OS_DIR = '/usr/share/ganeti/os';
const DEB_OS = 'debootstrap+bookworm';

beforeAll(async () => {
  await up();
  await privateOsDir(OUR_OS_DIR);
  await hideOsDir(DEBIAN_OS_DIR); // Debian's noop/debootstrap have the same names
  await installOurs(['noop', 'debootstrap'], { force: true });
  await enableExtStorage();
});

afterAll(async () => {
  await down();
  await expectCleanHost();
});

/** Nothing of an instance is left: no instance, export, volume file or loop device. */
async function expectNothingLeft(): Promise<void> {
  expect((await must(['gnt-instance', 'list', '--no-headers', '-o', 'name'])).stdout).toBe('');
  expect((await run(['ls', '-A', EXPORT_DIR])).stdout).toBe('');
  expect(await extVolumes()).toEqual([]);
  expect(await extLoops()).toEqual([]);
}

/** Runs burnin; on failure the error carries its output and the tail of its log. */
async function burnin(o: BurninOptions): Promise<string> {
  const t = Date.now();
  const r = await run(burninArgv(o), { timeoutMs: 480_000 });
  const out = `${r.stdout}${r.stderr}`;
  console.info(
    `burnin -t ext -o ${o.os}: exit ${r.exitCode} in ${((Date.now() - t) / 1000).toFixed(1)} s; phases: ${phases(out).join('; ')}`,
  );
  if (r.exitCode !== 0) {
    const log = await readFile(`${ROOT_DIR}/log/burnin.log`, 'utf8').catch(() => '');
    throw new Error(
      `burnin -o ${o.os} exited ${r.exitCode}:\n${out.slice(-6000)}\n--- burnin.log (tail) ---\n${log.slice(-4000)}`,
    );
  }
  // Ganeti finishes an import whose disks failed with only a warning, and a failed rename script
  // with only a message: burnin's exit status alone does not show them.
  expect(out).not.toMatch(/were not imported successfully|Could not run OS rename script/);
  return out;
}

/** Ganeti ran the OS's export and import scripts for `inst` (their logs; names printed). */
async function expectImpExpLogs(os: string, inst: string): Promise<void> {
  const logs = await osLogs(
    (n) => n.startsWith(`export-${os}-${inst}-`) || n.startsWith(`import-${os}-${inst}-`),
  );
  console.info(logs.map((l) => `${l.name} (${l.text.length} bytes)`).join('\n'));
  // Ganeti writes a log on both ends of each transfer; the receiving end's stays empty.
  for (const kind of ['export', 'import'])
    expect(logs.filter((l) => l.name.startsWith(`${kind}-`)).length, kind).toBe(2);
  for (const l of logs)
    expect(
      l.text.split('\n').filter((x) => /error|fail|traceback/i.test(x)),
      l.name,
    ).toEqual([]);
}

/** The phases burnin announced (its top-level "- ..." lines). */
const phases = (out: string): string[] =>
  out
    .split('\n')
    .filter((l) => l.startsWith('- '))
    .map((l) => l.slice(2));

describe('the loop ExtStorage provider', () => {
  const vol = 'probe.ext.disk0';
  const es = (script: string, env: Record<string, string>, args: string[] = []): Promise<string> =>
    must([`./${script}`, ...args], { cwd: `${ES_DIR}/${EXT_PROVIDER}`, env: { VOL_NAME: vol, ...env } }).then(
      (r) => r.stdout,
    );

  it('creates, attaches idempotently, grows, snapshots, detaches and removes a volume', async () => {
    await es('create', { VOL_SIZE: '16' });
    const r = await run(['./create'], {
      cwd: `${ES_DIR}/${EXT_PROVIDER}`,
      env: { VOL_NAME: vol, VOL_SIZE: '16' },
    });
    expect(r.exitCode, 'create over an existing volume').not.toBe(0);
    const dev = (await es('attach', {})).trim();
    expect(dev).toMatch(/^\/dev\/loop\d+$/);
    expect((await es('attach', {})).trim()).toBe(dev);
    expect((await must(['stat', '-L', '-c', '%F', dev])).stdout.trim()).toBe('block special file');

    await es('grow', { VOL_SIZE: '16', VOL_NEW_SIZE: '24' });
    expect((await must(['blockdev', '--getsize64', dev])).stdout.trim()).toBe(String(24 * 2 ** 20));
    await es('setinfo', { VOL_METADATA: 'originstname+probe' });
    await es('snapshot', { VOL_SNAPSHOT_NAME: `${vol}.snap`, VOL_SNAPSHOT_SIZE: '24' });
    expect(await extVolumes()).toEqual([vol, `${vol}.meta`, `${vol}.snap`]);
    expect(await readFile(`${HOST_VOLUME_DIR}/${vol}.meta`, 'utf8')).toBe('originstname+probe\n');
    expect(await es('verify', {}, ['parameters'])).toBe('');

    await es('detach', {});
    await es('detach', {});
    expect(await extLoops()).toEqual([]);
    for (const v of [vol, `${vol}.snap`]) {
      await es('remove', { VOL_NAME: v });
      await es('remove', { VOL_NAME: v });
    }
    expect(await extVolumes()).toEqual([]);
    const bad = await run(['./attach'], { cwd: `${ES_DIR}/${EXT_PROVIDER}`, env: { VOL_NAME: '../x' } });
    expect(bad.stderr).toContain("unusable volume name: '../x'");
  });
});

describe('our providers on ext disks', () => {
  it('warms the bookworm cache on the host, where the mirror is reachable', async () => {
    const paths = await installedPaths('debootstrap');
    await seedCache('debootstrap', paths.cacheDir);
    expect((await warmOnHost(DEB_OS)).path.startsWith(`${paths.cacheDir}/bookworm-`)).toBe(true);
  });

  it('gnt-instance add -t ext installs a guest onto a loop device', async () => {
    const inst = 'ext1.example.org';
    await must([
      'gnt-instance',
      'add',
      '-t',
      'ext',
      '--disk',
      `0:size=2G,provider=${EXT_PROVIDER}`,
      '-o',
      DEB_OS,
      '--no-start',
      ...INSTANCE_OPTS,
      inst,
    ]);
    // The disk is a loop device over the provider's volume file, not a file-storage file.
    const info = (await must(['gnt-instance', 'info', inst])).stdout;
    expect(info).toMatch(/on primary: \/dev\/loop\d+ \(7:\d+\)/);
    const volumes = await extVolumes();
    expect(volumes).toEqual([
      expect.stringMatching(/\.ext\.disk0$/),
      expect.stringMatching(/\.ext\.disk0\.meta$/),
    ]);
    expect(await readFile(`${HOST_VOLUME_DIR}/${volumes[1]}`, 'utf8')).toBe(`originstname+${inst}\n`);
    // Our create ran, on that device: its log, and the guest on the volume.
    const logs = await osLogs((n) => n.startsWith(`add-${DEB_OS}-${inst}-`));
    expect(logs).toHaveLength(1);
    expect(logs[0]!.text.trimEnd().split('\n').at(-1)).toBe(`${inst} installed`);
    expect(await guestCat(`${HOST_VOLUME_DIR}/${volumes[0]}`, '/etc/hostname')).toBe('ext1\n');

    await must(['gnt-instance', 'remove', '-f', inst]);
    await expectNothingLeft();
  });

  it('burnin -t ext -o noop passes, export and import included', async () => {
    const out = await burnin({
      os: 'noop',
      instances: ['burn-noop1.example.org'],
      rename: 'burn-noop2.example.org',
      diskSize: ['64M'],
      diskGrowth: ['0'],
    });
    expect(phases(out)).toContain('Exporting and re-importing instances');
    expect(phases(out)).toContain('Reinstalling instances');
    expect(phases(out)).toContain('Renaming instances');
    await expectImpExpLogs('noop', 'burn-noop1.example.org');
    await expectNothingLeft();
  });

  it(`burnin -t ext -o ${DEB_OS} passes, export and import included`, async () => {
    const out = await burnin({
      os: DEB_OS,
      instances: ['burn-deb1.example.org'],
      rename: 'burn-deb2.example.org',
      diskSize: ['2G'],
      diskGrowth: ['64M'],
    });
    for (const p of ['Growing disks', 'Exporting and re-importing instances', 'Reinstalling instances'])
      expect(phases(out)).toContain(p);
    const name = 'burn-deb1.example.org';
    // add + 2 reinstalls + the import (export and import logs of their own).
    expect(await osLogs((n) => n.startsWith(`add-${DEB_OS}-${name}-`))).toHaveLength(3);
    await expectImpExpLogs(DEB_OS, name);
    expect(await osLogs((n) => n.startsWith(`rename-${DEB_OS}-`))).not.toHaveLength(0);
    await expectNothingLeft();
    expect((await run(['ls', '-A', VOLUME_DIR])).stdout.trim()).toBe('.lock');
  });
});
