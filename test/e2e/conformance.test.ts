/**
 * Ganeti OS API conformance, checked against a real Ganeti cluster (ganeti-os-api.md §9):
 * D1-D13 (what makes an OS dir valid, as `gnt-os diagnose/info/list` report it), the QA hidden/
 * blacklisted matrix, and V1-V7 (parameter validation and the verify script's argv and environment).
 * The execution cases E1-E3 are in conformance-exec.test.ts.
 * The cluster gets a private /srv/ganeti/os; Debian's /usr/share/ganeti/os is hidden during the suite.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DIAGNOSE_CASES,
  HIDDEN_ENTRIES,
  QA_OS,
  SEARCH_DIR,
  expectedLine,
} from '../helpers/ganeti-diagnose-cases.js';
import {
  INSTANCE_OPTS,
  down,
  hideOsDir,
  must,
  privateOsDir,
  removeAllInstances,
  run,
  up,
} from '../helpers/ganeti-harness.js';
import {
  type DiagnoseOs,
  type OsInfo,
  parseDiagnose,
  parseOsInfo,
  parseOsList,
} from '../helpers/ganeti-output.js';
import { file, qaOs, script, validOs, writeOsDir } from '../helpers/ganeti-osdir.js';
import { expectCleanHost } from '../helpers/ganeti-clean.js';

let osDir = '';

beforeAll(async () => {
  await up();
  await hideOsDir('/usr/share/ganeti/os');
  osDir = await privateOsDir(SEARCH_DIR);
});

afterAll(async () => {
  await rm(osDir, { recursive: true, force: true }).catch(() => undefined);
  await down();
  await expectCleanHost();
});

describe('D1-D13: gnt-os diagnose, info and list', () => {
  let diag = new Map<string, DiagnoseOs>();
  let info = new Map<string, OsInfo>();
  let list: string[] = [];
  let diagnoseExit = -1;

  beforeAll(async () => {
    for (const k of DIAGNOSE_CASES) {
      if (k.spec === 'plain-file') await writeFile(`${osDir}/${k.name}`, 'not an OS\n');
      else await writeOsDir(osDir, k.name, k.spec);
    }
    for (const h of HIDDEN_ENTRIES) await writeOsDir(osDir, h.name, h.spec);
    const d = await run(['gnt-os', 'diagnose']);
    diagnoseExit = d.exitCode;
    diag = parseDiagnose(d.stdout);
    info = parseOsInfo((await must(['gnt-os', 'info'])).stdout);
    list = parseOsList((await must(['gnt-os', 'list', '--no-headers'])).stdout);
  });

  afterAll(async () => {
    for (const k of [...DIAGNOSE_CASES, ...HIDDEN_ENTRIES])
      await rm(`${osDir}/${k.name}`, { recursive: true, force: true });
  });

  it.each(DIAGNOSE_CASES.map((k) => [k.id, k.name, k] as const))('%s %s', (_id, name, k) => {
    const os = diag.get(name);
    expect(os, `${name} missing from gnt-os diagnose`).toBeDefined();
    expect(os!.nodes).toHaveLength(1);
    const node = os!.nodes[0]!;
    expect(os!.status).toBe(k.expect.valid ? 'valid' : 'invalid');
    expect(node.valid).toBe(k.expect.valid);
    const line = expectedLine(k);
    if (line) expect(node.line).toBe(line);
    if (!k.expect.valid && k.expect.prefix)
      expect(node.message.startsWith(k.expect.prefix), node.message).toBe(true);
    // gnt-os info agrees, and gnt-os list shows exactly the valid ones.
    expect(info.get(name)?.valid).toBe(k.expect.valid);
    expect(list.some((n) => n === name || n.startsWith(`${name}+`))).toBe(k.expect.valid);
  });

  it('D1: the QA OS as gnt-os info and gnt-os list report it', () => {
    expect(info.get(QA_OS)).toEqual({
      name: QA_OS,
      valid: true,
      hidden: false,
      blacklisted: false,
      apiVersions: [20],
      variants: ['default'],
      parameters: [['funny', 'this is funny']],
      trusted: true,
    });
    expect(list).toContain(`${QA_OS}+default`);
    expect(diag.get(QA_OS)!.variants).toEqual(['default']);
  });

  it('D5, D7, D10, D11: versions, parameters, variants and trust in gnt-os info and list', () => {
    expect(info.get('gotest-api-20-25')!.apiVersions).toEqual([20, 25]);
    expect(info.get('gotest-api-15')!.parameters).toEqual([]);
    expect(info.get('gotest-api-10')!.variants).toEqual([]);
    expect(list).toContain('gotest-api-10');
    expect(info.get('gotest-untrusted')!.trusted).toBe(false);
    expect(info.get('gotest-variants-filtered')!.variants).toEqual(['a', 'b']);
    expect(list).toEqual(
      expect.arrayContaining(['gotest-variants-filtered+a', 'gotest-variants-filtered+b']),
    );
    expect(list).toContain('gotest-variants-empty');
    expect(list.filter((n) => n.startsWith('gotest-variants-empty'))).toEqual(['gotest-variants-empty']);
  });

  it('D12: dot-prefixed entries are not listed at all', () => {
    expect([...diag.keys()].filter((n) => n.includes('hidden'))).toEqual([]);
  });

  it('gnt-os diagnose exits 1 while any OS is invalid', () => {
    expect(diagnoseExit).toBe(1);
  });
});

describe('QA gnt-os matrix: hidden and blacklisted', () => {
  beforeAll(async () => {
    await writeOsDir(osDir, QA_OS, qaOs());
  });

  it('gnt-os diagnose exits 0 when every OS is valid', async () => {
    const d = await run(['gnt-os', 'diagnose']);
    expect([...parseDiagnose(d.stdout).values()].every((o) => o.status === 'valid')).toBe(true);
    expect(d.exitCode).toBe(0);
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('hidden=%s blacklisted=%s', async (hidden, blacklisted) => {
    const yn = (b: boolean): string => (b ? 'yes' : 'no');
    await must(['gnt-os', 'modify', '--hidden', yn(hidden), '--blacklisted', yn(blacklisted), QA_OS]);
    const d = await run(['gnt-os', 'diagnose']);
    expect(d.exitCode).toBe(0);
    const flags = `${hidden ? ' [hidden]' : ''}${blacklisted ? ' [blacklisted]' : ''}`;
    expect(d.stdout.split('\n')).toContain(`OS: ${QA_OS} [global status: valid]${flags}`);
    const inf = (await must(['gnt-os', 'info', QA_OS])).stdout.split('\n');
    expect(inf).toEqual(
      expect.arrayContaining([`${QA_OS}:`, '  - valid: True', `  - hidden: ${hidden ? 'True' : 'False'}`]),
    );
    expect(inf).toContain(`  - blacklisted: ${blacklisted ? 'True' : 'False'}`);
    expect((await must(['gnt-os', 'info'])).stdout.split('\n')).toContain(`${QA_OS}:`);
    const list = parseOsList((await must(['gnt-os', 'list', '--no-headers'])).stdout);
    expect(list.includes(`${QA_OS}+default`)).toBe(!hidden && !blacklisted);
  });

  it('gnt-os modify on an OS that does not exist succeeds, twice', async () => {
    for (let i = 0; i < 2; i++)
      await must(['gnt-os', 'modify', '--hidden', 'yes', '--blacklisted', 'yes', 'gotest-absent']);
  });
});

/** An OS whose verify records argv and its exec-time environment, and fails when asked to. */
const VERIFY = script(
  '#!/bin/bash\nprintf "%s\\n" "$0" "$@" > verify.argv\ntr "\\0" "\\n" < /proc/$$/environ > verify.env\n' +
    'if [ "$OSP_VERDICT" = fail ]; then echo "X marks the spot"; exit 1; fi\nexit 0\n',
);

describe('V1-V7: validation through gnt-instance add', () => {
  const add = (name: string, os: string, ...extra: string[]): Promise<{ exitCode: number; out: string }> =>
    run([
      'gnt-instance',
      'add',
      '-t',
      'file',
      '--disk',
      '0:size=4M',
      '-o',
      os,
      '--no-start',
      ...INSTANCE_OPTS,
      ...extra,
      name,
    ]).then((r) => ({ exitCode: r.exitCode, out: r.stdout + r.stderr }));
  const record = async (name: string, f: string): Promise<string | undefined> =>
    readFile(`${osDir}/${name}/${f}`, 'utf8').catch(() => undefined);

  beforeAll(async () => {
    const params = 'dns-server A DNS server\nverdict Set to fail to make verify fail\n';
    await writeOsDir(
      osDir,
      'gotest-val',
      validOs({ 'variants.list': file('a\nb\n'), 'parameters.list': file(params), verify: VERIFY }),
    );
    await writeOsDir(osDir, 'gotest-val-novar', validOs({ 'variants.list': null }));
    await writeOsDir(
      osDir,
      'gotest-val15',
      validOs({ ganeti_api_version: file('15\n'), 'parameters.list': null, verify: VERIFY }),
    );
  });

  afterEach(async () => {
    await removeAllInstances();
    for (const os of ['gotest-val', 'gotest-val15']) {
      for (const f of ['verify.argv', 'verify.env']) await rm(`${osDir}/${os}/${f}`, { force: true });
    }
  });

  it('V1: a name without variant is refused when the OS has variants', async () => {
    const r = await add('v1', 'gotest-val');
    expect(r.exitCode).not.toBe(0);
    expect(r.out).toContain("OS name 'gotest-val' must include a variant");
  });

  it('V2: a variant is refused when the OS has none', async () => {
    const r = await add('v2', 'gotest-val-novar+zz');
    expect(r.exitCode).not.toBe(0);
    expect(r.out).toContain("OS 'gotest-val-novar' does not support variants ('zz' passed)");
  });

  it('V3: an unknown variant is refused', async () => {
    const r = await add('v3', 'gotest-val+zz');
    expect(r.exitCode).not.toBe(0);
    expect(r.out).toContain("OS 'gotest-val' does not support variant 'zz'");
  });

  it('V4: an undeclared parameter is refused', async () => {
    const r = await add('v4', 'gotest-val+a', '-O', 'nope=1');
    expect(r.exitCode).not.toBe(0);
    expect(r.out).toContain('The following parameters are not supported by the OS gotest-val: nope');
  });

  it('V5: a failing verify script stops the add and its output is shown', async () => {
    const r = await add('v5', 'gotest-val+b', '-O', 'verdict=fail');
    expect(r.exitCode).not.toBe(0);
    expect(r.out).toContain(
      'OS validation script failed (exited with exit code 1), output: X marks the spot',
    );
  });

  it('V6: below API 20 any parameter is accepted and verify never runs', async () => {
    const r = await add('v6', 'gotest-val15+default', '-O', 'anything=1');
    expect(r.exitCode, r.out).toBe(0);
    expect(await record('gotest-val15', 'verify.argv')).toBeUndefined();
  });

  it('V7: verify gets argv [D/verify, parameters] and only the core environment', async () => {
    const r = await add('v7', 'gotest-val', '--force-variant', '-O', 'dns-server=192.0.2.53');
    expect(r.exitCode, r.out).toBe(0);
    expect(await record('gotest-val', 'verify.argv')).toBe(`${SEARCH_DIR}/gotest-val/verify\nparameters\n`);
    const env = Object.fromEntries(
      (await record('gotest-val', 'verify.env'))!
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(env).toEqual({
      OS_API_VERSION: '20',
      OS_NAME: 'gotest-val',
      OS_VARIANT: 'a',
      DEBUG_LEVEL: '0',
      PATH: '/sbin:/bin:/usr/sbin:/usr/bin',
      OSP_DNS_SERVER: '192.0.2.53',
    });
  });
});
