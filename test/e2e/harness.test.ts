/**
 * Self-test of the Ganeti cluster harness: isolation (hostname, network, environment, private paths),
 * OS search dir masking, recovery from a run killed midway, and a clean host after `down()`.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NODE_NAME,
  STATE_DIR,
  down,
  ganetiOsSearchPath,
  hideOsDir,
  listLoops,
  must,
  osLogs,
  privateOsDir,
  run,
  showOsDir,
  up,
} from '../helpers/ganeti-harness.js';
import { parseDiagnose } from '../helpers/ganeti-output.js';
import { validOs, writeOsDir } from '../helpers/ganeti-osdir.js';
import { expectCleanHost } from '../helpers/ganeti-clean.js';

describe('ganeti harness', () => {
  beforeAll(async () => {
    await up();
  });
  afterAll(async () => {
    await down();
    await expectCleanHost();
  });

  it('reads the OS search path from Ganeti', async () => {
    const path = await ganetiOsSearchPath();
    expect(path[0]).toBe('/srv/ganeti/os');
    expect(path).toContain('/usr/share/ganeti/os');
  });

  it('runs commands inside the namespaces with a clean environment', async () => {
    expect((await must(['hostname'])).stdout.trim()).toBe(NODE_NAME);
    const env = (await must(['env'])).stdout
      .trim()
      .split('\n')
      .map((l) => l.split('=')[0])
      .sort();
    expect(env).toEqual(['HOME', 'LANG', 'PATH', 'TERM']);
    const extra = await must(['sh', '-c', 'echo "$FOO"; pwd; cat'], {
      env: { FOO: 'bar' },
      cwd: '/etc',
      input: 'in',
    });
    expect(extra.stdout).toBe('bar\n/etc\nin');
    const failing = await run(['sh', '-c', 'echo oops >&2; exit 3']);
    expect(failing).toEqual({ exitCode: 3, stdout: '', stderr: 'oops\n' });
  });

  it('has no route out of the network namespace', async () => {
    const links = (await must(['ip', '-o', 'link'])).stdout;
    expect([...links.matchAll(/^\d+: ([^:@]+)/gm)].map((m) => m[1]).sort()).toEqual([
      'gnt0',
      'gnt0p',
      'gntbr0',
      'lo',
    ]);
    expect((await must(['ip', 'route', 'show', 'default'])).stdout.trim()).toBe('');
    expect((await must(['ip', '-4', '-o', 'addr', 'show', 'dev', 'gnt0'])).stdout).toContain(
      '10.250.0.100/24',
    );
  });

  it('keeps Ganeti state, logs and /tmp private to the cluster', async () => {
    await must(['test', '-f', '/var/lib/ganeti/config.data']);
    expect(existsSync('/var/lib/ganeti/config.data')).toBe(false);
    await must(['sh', '-c', 'echo x > /tmp/harness-private']);
    expect(existsSync('/tmp/harness-private')).toBe(false);
    expect((await must(['cat', '/etc/hosts'])).stdout).toContain(`10.250.0.1 ${NODE_NAME}`);
  });

  it('verifies except for the two errors this kernel and the missing sshd cause', async () => {
    const r = await run(['gnt-cluster', 'verify']);
    const errors = r.stdout.split('\n').filter((l) => l.includes(' ERROR: '));
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(e).toMatch(/sysrq-trigger|ssh communication with node/);
  });

  it('hides and shows OS search dirs, and gives the cluster a private /srv/ganeti/os', async () => {
    const osDir = await privateOsDir();
    expect(await privateOsDir()).toBe(osDir);
    await writeOsDir(osDir, 'gotest-harness', validOs());
    const names = async (): Promise<string[]> => [
      ...parseDiagnose((await run(['gnt-os', 'diagnose'])).stdout).keys(),
    ];
    expect(await names()).toEqual(expect.arrayContaining(['gotest-harness', 'noop', 'debootstrap']));
    expect(existsSync('/srv/ganeti/os/gotest-harness')).toBe(false);

    await hideOsDir('/usr/share/ganeti/os');
    await hideOsDir('/usr/share/ganeti/os');
    expect(await names()).toEqual(['gotest-harness']);
    await hideOsDir('/srv/ganeti/os');
    expect(await names()).toEqual([]);
    await showOsDir('/srv/ganeti/os');
    expect(await names()).toEqual(['gotest-harness']);
    await showOsDir('/usr/share/ganeti/os');
    await showOsDir('/usr/share/ganeti/os');
    expect(await names()).toEqual(expect.arrayContaining(['gotest-harness', 'noop']));
  });

  it('exposes the OS script logs', async () => {
    await must(['sh', '-c', 'echo hello > /var/log/ganeti/os/add-x-y-1.log']);
    expect(await osLogs((n) => n.startsWith('add-x-'))).toEqual([{ name: 'add-x-y-1.log', text: 'hello\n' }]);
  });

  it('recovers from a run killed midway (hanging script holding a mounted loop device)', async () => {
    const img = '/srv/ganeti/file-storage/hang.img';
    await must(['sh', '-c', `truncate -s 16M ${img} && mkfs.ext4 -q -F ${img} && mkdir -p /tmp/hang`]);
    const started = await must([
      'sh',
      '-c',
      `dev=$(losetup -f --show ${img}) && mount "$dev" /tmp/hang && ` +
        `(cd /tmp/hang && setsid sleep 600 </dev/null >/dev/null 2>&1 & echo $!)`,
    ]);
    const pid = started.stdout.trim();
    expect(existsSync(`/proc/${pid}`)).toBe(true);
    expect((await listLoops()).some((l) => l.backFile.endsWith('hang.img'))).toBe(true);
    await writeFile(`${STATE_DIR}/marker`, 'left over');

    await up(); // must tear the old cluster down first
    expect(existsSync(`${STATE_DIR}/marker`)).toBe(false);
    expect((await listLoops()).some((l) => l.backFile.includes('hang.img'))).toBe(false);
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(await readFile(`${STATE_DIR}/root/etc/hosts`, 'utf8')).toContain(NODE_NAME);
    expect((await must(['gnt-cluster', 'getmaster'])).stdout.trim()).toBe(NODE_NAME);
  });
});
