/**
 * Ganeti OS API conformance E1-E3 (ganeti-os-api.md §9): how a real Ganeti runs create, rename,
 * export and import, observed with a probe provider that records argv, cwd, stdin and its exact
 * environment. Instances: e1 (2 disks) -> renamed e1r -> exported -> imported as e3.
 */
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EXPORT_DIR,
  INSTANCE_OPTS,
  NODE_NAME,
  STATE_DIR,
  down,
  hideOsDir,
  must,
  osLogs,
  privateOsDir,
  run,
  sha256,
  up,
  backupImportArgv,
} from '../helpers/ganeti-harness.js';
import { type ProbeRecord, probeOs, probeRecords } from '../helpers/ganeti-probe-os.js';
import { writeOsDir } from '../helpers/ganeti-osdir.js';
import { expectCleanHost } from '../helpers/ganeti-clean.js';

const OS = 'gotest-probe';
const D = `/srv/ganeti/os/${OS}`;
let probeDir = '';
let nodeUuid = '';
let seen = 0;

/** Records written since the last call. */
async function newRecords(): Promise<ProbeRecord[]> {
  const all = await probeRecords(probeDir);
  const fresh = all.slice(seen);
  seen = all.length;
  return fresh;
}

/** Order records by a disk index variable (EXPORT_INDEX, IMPORT_INDEX). */
const byIndex =
  (key: string) =>
  (a: ProbeRecord, b: ProbeRecord): number =>
    Number(a.env[key]) - Number(b.env[key]);

const hostSha = async (path: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

/** Every key Ganeti may pass to create/rename for this test's instances (§3.1, §3.2). */
function instanceEnvKeys(disks: number, diskNames: number[]): string[] {
  const keys = ['DEBUG_LEVEL', 'OS_API_VERSION', 'OS_NAME', 'OS_VARIANT', 'PATH', 'HYPERVISOR'];
  keys.push('INSTANCE_NAME', 'INSTANCE_OS', 'INSTANCE_UUID', 'INSTANCE_CTIME', 'INSTANCE_MTIME');
  keys.push('INSTANCE_PRIMARY_NODE', 'INSTANCE_SECONDARY_NODES', 'DISK_COUNT', 'NIC_COUNT');
  for (let i = 0; i < disks; i++) {
    keys.push(...['ACCESS', 'UUID', 'SIZE', 'PATH', 'BACKEND_TYPE'].map((k) => `DISK_${i}_${k}`));
    if (diskNames.includes(i)) keys.push(`DISK_${i}_NAME`);
  }
  keys.push(...['MAC', 'UUID', 'MODE', 'LINK', 'BRIDGE'].map((k) => `NIC_0_${k}`));
  return keys;
}

/** The env must hold exactly `keys`, the OSP_ keys given, and INSTANCE_BE_/INSTANCE_HV_ params. */
function expectEnvKeys(
  env: Record<string, string>,
  keys: string[],
  osp: string[],
  extra: string[] = [],
): void {
  const free = Object.keys(env).filter((k) => !/^INSTANCE_(BE|HV)_[a-z_]+$/.test(k));
  expect(free.sort()).toEqual([...keys, ...osp, ...extra].sort());
  expect(Object.keys(env).some((k) => k.startsWith('INSTANCE_BE_'))).toBe(true);
}

beforeAll(async () => {
  await up();
  await hideOsDir('/usr/share/ganeti/os');
  probeDir = await writeOsDir(await privateOsDir(), OS, probeOs());
  nodeUuid = (await must(['gnt-node', 'list', '--no-headers', '-o', 'uuid'])).stdout.trim();
});

afterAll(async () => {
  await rm(probeDir, { recursive: true, force: true }).catch(() => undefined);
  await down();
  await expectCleanHost();
});

describe('E1-E3: create, reinstall, rename, export, import', () => {
  const paths: string[] = [];

  it('E1: create runs with no args, cwd D, stdin at EOF and exactly the §3 environment', async () => {
    await must([
      'gnt-instance',
      'add',
      '-t',
      'file',
      '--disk',
      '0:size=4M',
      '--disk',
      '1:size=8M,name=data',
      '-o',
      `${OS}+alt`,
      '-O',
      'probe_param=hello',
      '--net',
      '0:mac=aa:00:00:11:22:33',
      '--no-start',
      ...INSTANCE_OPTS,
      'e1',
    ]);
    const recs = await newRecords();
    expect(recs.map((r) => r.script)).toEqual(['create']);
    const { meta, env } = recs[0]!;
    expect(meta).toEqual({ argv0: `${D}/create`, argc: '0', cwd: D, uid: '0', stdin: 'eof' });
    expectEnvKeys(env, instanceEnvKeys(2, [1]), ['OSP_PROBE_PARAM']);
    expect(env).toMatchObject({
      OS_API_VERSION: '20',
      OS_NAME: OS,
      OS_VARIANT: 'alt',
      DEBUG_LEVEL: '0',
      PATH: '/sbin:/bin:/usr/sbin:/usr/bin',
      INSTANCE_NAME: 'e1',
      INSTANCE_OS: `${OS}+alt`,
      INSTANCE_PRIMARY_NODE: nodeUuid,
      INSTANCE_SECONDARY_NODES: '',
      HYPERVISOR: 'fake',
      DISK_COUNT: '2',
      NIC_COUNT: '1',
      OSP_PROBE_PARAM: 'hello',
      DISK_0_SIZE: '4',
      DISK_0_ACCESS: 'rw',
      DISK_0_BACKEND_TYPE: 'file:loop',
      DISK_1_SIZE: '8',
      DISK_1_NAME: 'data',
      NIC_0_MAC: 'aa:00:00:11:22:33',
      NIC_0_MODE: 'bridged',
      NIC_0_LINK: 'gntbr0',
      NIC_0_BRIDGE: 'gntbr0',
    });
    expect(env.DISK_0_PATH).toMatch(/^\/srv\/ganeti\/file-storage\/e1\/[0-9a-f-]+\.file\.disk0$/);
    const logs = await osLogs((n) => n.startsWith(`add-${OS}+alt-e1-`));
    expect(logs).toHaveLength(1);
    expect(logs[0]!.name).toMatch(/^add-gotest-probe\+alt-e1-\d{4}-\d\d-\d\d_\d\d_\d\d_\d\d\.log$/);
    expect(logs[0]!.text).toContain('probe create for e1');
  });

  it('E1: reinstall runs create again with INSTANCE_REINSTALL=1', async () => {
    await must(['gnt-instance', 'reinstall', '-f', 'e1']);
    const recs = await newRecords();
    expect(recs.map((r) => r.script)).toEqual(['create']);
    expectEnvKeys(recs[0]!.env, instanceEnvKeys(2, [1]), ['OSP_PROBE_PARAM'], ['INSTANCE_REINSTALL']);
    expect(recs[0]!.env.INSTANCE_REINSTALL).toBe('1');
  });

  it('E1: a failing create fails the job, quoting the last 20 lines of its log', async () => {
    const r = await run([
      'gnt-instance',
      'add',
      '-t',
      'file',
      '--disk',
      '0:size=4M',
      '-o',
      `${OS}+default`,
      '-O',
      'create_exit=3',
      '--no-start',
      ...INSTANCE_OPTS,
      'efail',
    ]);
    expect(r.exitCode).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toContain('OS create script failed (exited with exit code 3), last lines in the log file:');
    expect(out).toContain('probe line 6\n');
    expect(out).toContain('probe line 25');
    expect(out).not.toContain('probe line 5\n');
    expect((await newRecords()).map((x) => x.script)).toEqual(['create']);
    await must(['gnt-instance', 'remove', '-f', 'efail']); // a failed create leaves the instance behind
  });

  it('E2: rename gets OLD_INSTANCE_NAME and paths already carrying the new name', async () => {
    await must(['gnt-instance', 'rename', '-f', '--no-name-check', '--no-ip-check', 'e1', 'e1r']);
    const recs = await newRecords();
    expect(recs.map((r) => r.script)).toEqual(['rename']);
    const { meta, env } = recs[0]!;
    expect(meta).toMatchObject({ argv0: `${D}/rename`, argc: '0', cwd: D, stdin: 'eof' });
    // No OSP_PROBE_PARAM: Ganeti 3.0's `reinstall` without -O stores {} as the instance's OS
    // parameters (cmdlib/instance_operation.py), and rename only sees the stored ones.
    expectEnvKeys(env, instanceEnvKeys(2, [1]), [], ['OLD_INSTANCE_NAME']);
    expect(env).toMatchObject({ OLD_INSTANCE_NAME: 'e1', INSTANCE_NAME: 'e1r' });
    expect(env.DISK_0_PATH).toContain('/e1r/');
    paths.push(env.DISK_0_PATH!, env.DISK_1_PATH!);
  });

  it('E2: a failing rename is only a warning', async () => {
    await must(['gnt-instance', 'modify', '-O', 'rename_exit=1', 'e1r']);
    const r = await run(['gnt-instance', 'rename', '-f', '--no-name-check', '--no-ip-check', 'e1r', 'e2']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain('Could not run OS rename script for instance e2');
    const recs = await newRecords();
    expect(recs.map((x) => [x.script, x.env.OSP_RENAME_EXIT])).toEqual([['rename', '1']]);
    expect((await must(['gnt-instance', 'list', '--no-headers', '-o', 'name'])).stdout.trim()).toBe('e2');
    await must(['gnt-instance', 'modify', '-O', 'rename_exit=0', 'e2']);
    await must(['gnt-instance', 'rename', '-f', '--no-name-check', '--no-ip-check', 'e2', 'e1r']);
    expect((await newRecords()).map((x) => [x.script, x.env.OSP_RENAME_EXIT])).toEqual([['rename', '0']]);
  });

  it('E3: export and import stream each disk once, byte for byte; rename runs after import', async () => {
    for (const p of paths)
      await must(['dd', 'if=/dev/urandom', `of=${p}`, 'bs=1M', 'count=4', 'conv=notrunc', 'status=none']);
    const source = await Promise.all(paths.map(sha256));

    await must(['gnt-backup', 'export', '-n', NODE_NAME, 'e1r']);
    // Ganeti may start the disks' exports (and imports) in either order: compare them by index.
    const exp = (await newRecords()).sort(byIndex('EXPORT_INDEX'));
    expect(exp.map((r) => [r.script, r.env.EXPORT_INDEX])).toEqual([
      ['export', '0'],
      ['export', '1'],
    ]);
    for (const [i, r] of exp.entries()) {
      expect(r.meta).toMatchObject({ argv0: `${D}/export`, argc: '0', cwd: D });
      expect(r.env).toMatchObject({ EXPORT_DEVICE: paths[i], EXPORT_DISK_PATH: paths[i], EXP_SIZE_FD: '11' });
      expect(await hostSha(r.dataPath!)).toBe(source[i]);
    }
    const ini = await readFile(`${STATE_DIR}/root/lib/export/e1r/config.ini`, 'utf8');
    for (const [i, r] of exp.entries()) {
      const dump = new RegExp(`^disk${i}_dump = (.+)$`, 'm').exec(ini)![1]!;
      expect(dump).toBe(r.env[`DISK_${i}_UUID`]);
      expect(await sha256(`${EXPORT_DIR}/e1r/${dump}`)).toBe(source[i]);
    }

    await must(backupImportArgv('e1r', 'e3'));
    const records = await newRecords();
    expect(records.at(-1)?.script).toBe('rename');
    const imp = [...records.slice(0, -1).sort(byIndex('IMPORT_INDEX')), ...records.slice(-1)];
    expect(imp.map((r) => [r.script, r.env.IMPORT_INDEX])).toEqual([
      ['import', '0'],
      ['import', '1'],
      ['rename', undefined],
    ]);
    for (const [i, r] of imp.slice(0, 2).entries()) {
      expect(r.meta).toMatchObject({ argv0: `${D}/import`, argc: '0', cwd: D });
      expect(r.env.IMPORT_DEVICE).toBe(r.env[`DISK_${i}_PATH`]);
      expect(r.env.IMPORT_DEVICE).toContain('/e3/');
      expect(await hostSha(r.dataPath!)).toBe(source[i]);
      expect(await sha256(r.env.IMPORT_DEVICE!)).toBe(source[i]);
    }
    expect(imp[2]!.env).toMatchObject({ OLD_INSTANCE_NAME: 'e1r', INSTANCE_NAME: 'e3' });
    const logs = (await osLogs()).map((l) => l.name);
    expect(logs.filter((n) => n.startsWith(`export-${OS}+alt-e1r-disk`))).toHaveLength(2);
    expect(logs.filter((n) => n.startsWith(`import-${OS}+alt-e3-disk`))).toHaveLength(2);

    for (const inst of ['e1r', 'e3']) await must(['gnt-instance', 'remove', '-f', inst]);
    await must(['gnt-backup', 'remove', 'e1r']);
  });
});
