import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installPlan, replaceLine } from './install-plan.js';
import { shellLine, shellQuote } from './shell.js';

const sh = (line: string): string => execFileSync('sh', ['-c', line], { encoding: 'utf8' });
const dirs: string[] = [];
const temp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'cluster-plan-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('shell lines for gnt-cluster command', () => {
  it('quotes every word so a remote shell sees it unchanged', () => {
    const words = ['plain', 'with space', "it's", '$(touch /x)', '`x`', 'a;b', '', '*', 'ü'];
    expect(sh(`printf '%s\\n' ${shellLine(words)}`)).toBe(words.map((w) => `${w}\n`).join(''));
    expect(shellQuote('/usr/bin/node')).toBe('/usr/bin/node');
  });

  it('replaceLine swaps a directory or a file for the unpacked copy, leaving nothing old', () => {
    const root = temp();
    const from = join(root, 'stage');
    const cfg = join(root, 'etc dir', 'instance-x');
    mkdirSync(join(from, cfg, 'variants'), { recursive: true });
    writeFileSync(join(from, cfg, 'variants', 'a.yaml'), 'new\n');
    mkdirSync(join(cfg, 'variants'), { recursive: true });
    writeFileSync(join(cfg, 'variants', 'stale.yaml'), 'old\n');
    const file = join(root, 'default', 'ganeti-instance-x');
    mkdirSync(join(from, root, 'default'), { recursive: true });
    writeFileSync(join(from, file), 'X=1\n');
    sh(replaceLine(from, cfg) + ' && ' + replaceLine(from, file));
    expect(readdirSync(join(cfg, 'variants'))).toEqual(['a.yaml']);
    expect(readFileSync(file, 'utf8')).toBe('X=1\n');
    expect(readdirSync(join(root, 'etc dir'))).toEqual(['instance-x']);
  });
});

describe('cluster install plan', () => {
  const base = {
    stageDir: '/tmp/ganeti-os-cluster-abc',
    installArgs: ['install', '--os-dir', '/srv/ganeti/os'],
    nodePath: '/usr/bin/node',
    launcher: '/usr/bin/ganeti-os',
  };

  it('a package: staged on the other nodes, dpkg -i and install everywhere, staging removed', () => {
    const steps = installPlan({
      ...base,
      payload: { kind: 'deb', file: '/tmp/ganeti-os-cluster-abc/ganeti-os_0.2.0_all.deb' },
      others: ['node2', 'node3'],
    });
    expect(steps.map((s) => [s.kind, s.what, s.nodes])).toEqual([
      ['command', 'create the staging directory', ['node2', 'node3']],
      ['copy', 'copy /tmp/ganeti-os-cluster-abc/ganeti-os_0.2.0_all.deb', ['node2', 'node3']],
      ['command', 'install', []],
      ['command', 'remove the staging directory', []],
    ]);
    const install = steps[2]!;
    expect(install.kind === 'command' && install.line).toBe(
      'env DEBIAN_FRONTEND=noninteractive dpkg -i /tmp/ganeti-os-cluster-abc/ganeti-os_0.2.0_all.deb && ' +
        '/usr/bin/ganeti-os install --os-dir /srv/ganeti/os',
    );
  });

  it('the bundle and the configuration; one node alone needs no copies', () => {
    const steps = installPlan({
      ...base,
      payload: { kind: 'bundle', file: '/tmp/ganeti-os-cluster-abc/bundle.tar' },
      config: { file: '/tmp/ganeti-os-cluster-abc/config.tar', paths: ['/etc/ganeti/instance-debootstrap'] },
      others: ['node2'],
    });
    expect(steps.map((s) => s.what)).toEqual([
      'create the staging directory',
      'copy /tmp/ganeti-os-cluster-abc/bundle.tar',
      'copy /tmp/ganeti-os-cluster-abc/config.tar',
      'install the configuration',
      'install',
      'remove the staging directory',
    ]);
    const install = steps[4]!;
    expect(install.kind === 'command' && install.line).toContain(
      '/usr/bin/node /tmp/ganeti-os-cluster-abc/bundle/dist/ganeti-os.mjs install --os-dir /srv/ganeti/os',
    );
    const alone = installPlan({
      ...base,
      payload: { kind: 'bundle', file: '/tmp/x/bundle.tar' },
      others: [],
    });
    expect(alone.map((s) => s.what)).toEqual(['install', 'remove the staging directory']);
  });
});
