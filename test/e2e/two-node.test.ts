/**
 * ganeti-os on a real two-node Ganeti cluster (test/helpers/ganeti-cluster2.ts): `cluster install`
 * from the master puts the bundle and the configuration on both nodes through Ganeti's own
 * copyfile/command, `cluster check` is clean and names a variant edited on node 2 only,
 * `gnt-cluster verify` is clean apart from this kernel's missing sysrq; a debootstrap instance of
 * node 1 is exported to node 2, imported there with a cold cache and boots in qemu; an instance
 * made on each node from the same variant gets the same packages.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BootTestResult, bootTest } from '../../src/boot/qemu.js';
import {
  C2_STATE,
  type NodeSpec,
  clusterUp,
  downCluster,
  must,
  run,
  upCluster,
} from '../helpers/ganeti-cluster2.js';
import {
  INSTALLED_CLI,
  disk0On,
  ganetiOsOn,
  guestPackages,
  killQemuOn,
  warmOn,
} from '../helpers/ganeti-cluster2-ops.js';
import { guestCat } from '../helpers/ganeti-guest.js';
import { host, listLoops, mountsBelow } from '../helpers/ganeti-host.js';

const OS = 'debootstrap+bookworm';
const VARIANT_FILE = '/etc/ganeti/instance-debootstrap/variants/bookworm.yaml';
const BOOT_IMAGE = `${C2_STATE}/boot-imported.img`;
const started = Date.now();
let n1: NodeSpec;
let n2: NodeSpec;
let booting: Promise<BootTestResult> | undefined;

const opts = (node: NodeSpec): string[] => ['--no-name-check', '--no-ip-check', '-n', node.name];

/** `gnt-instance add` (on the master) of a stopped debootstrap instance living on `node`. */
const addOn = (node: NodeSpec, name: string) =>
  must(
    n1,
    ['gnt-instance', 'add', '-t', 'file', '--disk', '0:size=3G', '-o', OS, '--no-start', ...opts(node), name],
    { timeoutMs: 600_000 },
  );

/** `cluster check --json` on the master: exit code and the parsed result. */
async function check(): Promise<{ exitCode: number; differences: Record<string, string>[]; stderr: string }> {
  const r = await ganetiOsOn(n1, ['cluster', 'check', '--json', '--cli', INSTALLED_CLI]);
  const parsed = JSON.parse(r.stdout) as { differences: Record<string, string>[] };
  return { exitCode: r.exitCode, differences: parsed.differences, stderr: r.stderr };
}

beforeAll(async () => {
  const t = Date.now();
  [n1, n2] = (await upCluster(2)) as [NodeSpec, NodeSpec];
  console.info(`two-node cluster up in ${((Date.now() - t) / 1000).toFixed(1)} s`);
});

afterAll(async () => {
  if (booting) {
    await killQemuOn(BOOT_IMAGE);
    await booting.catch(() => undefined);
  }
  await downCluster();
  expect(await clusterUp()).toBe(false);
  expect(await mountsBelow(C2_STATE)).toEqual([]);
  expect((await listLoops()).filter((l) => l.backFile.startsWith(C2_STATE))).toEqual([]);
  console.info(`two-node suite: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

describe('cluster install and check on two nodes', () => {
  it('cluster install (the bundle this node runs) installs on both nodes; check is clean', async () => {
    const r = await ganetiOsOn(n1, ['cluster', 'install', '--config', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, reference: n1.name });
    for (const n of [n1, n2]) {
      const ls = await must(n, ['ls', '/srv/ganeti/os']);
      expect(ls.stdout.split('\n').filter(Boolean)).toEqual(expect.arrayContaining(['debootstrap', 'noop']));
    }
    const os = await must(n1, ['gnt-os', 'diagnose']);
    expect(os.stdout).toMatch(/OS: debootstrap \[global status: valid\]/);
    expect(os.stdout).not.toMatch(/status: (invalid|partial)/);
  });

  it('gnt-cluster verify: only the expected error of this kernel (no sysrq)', async () => {
    const r = await run(n1, ['gnt-cluster', 'verify'], { timeoutMs: 300_000 });
    const errors = (r.stdout + r.stderr).split('\n').filter((l) => /ERROR|WARNING/.test(l));
    expect(
      errors.filter((l) => !l.includes('/proc/sysrq-trigger')),
      r.stdout,
    ).toEqual([]);
  });

  it("the master's configuration goes to node 2 with --config; check stays clean", async () => {
    await mkdir(`${n1.root}/etc-ganeti/instance-debootstrap/variants`, { recursive: true });
    // The fake hypervisor has no serial console parameter: the admin turns the guest's on (boot test).
    await writeFile(
      `${n1.root}/etc-ganeti${VARIANT_FILE.slice('/etc/ganeti'.length)}`,
      "extend: bookworm\nserial-console: 'on'\n",
    );
    const r = await ganetiOsOn(n1, ['cluster', 'install', '--config', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await must(n2, ['cat', VARIANT_FILE])).stdout).toContain("serial-console: 'on'");
    expect((await check()).exitCode).toBe(0);
  });

  it('a variant edited on node 2 only is named (node, variant, file); exit non-zero', async () => {
    await writeFile(
      `${n2.root}/etc-ganeti${VARIANT_FILE.slice('/etc/ganeti'.length)}`,
      "extend: bookworm\nserial-console: 'on'\nextra-pkgs: [vim-tiny]\n",
    );
    const r = await check();
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('E_CLUSTER_DRIFT');
    expect(r.differences).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          node: n2.name,
          provider: 'debootstrap',
          variant: 'bookworm',
          file: VARIANT_FILE,
        }),
        expect.objectContaining({
          node: n2.name,
          provider: 'debootstrap',
          variant: 'bookworm',
          key: 'extra-pkgs',
        }),
      ]),
    );
    expect(r.differences.every((d) => d.node === n2.name)).toBe(true);
    // Only variants built on bookworm differ (default extends the shipped bookworm.yaml, not this one).
    expect(r.differences.map((d) => d.variant)).toContain('bookworm');
    // Putting the master's configuration back clears it.
    expect((await ganetiOsOn(n1, ['cluster', 'install', '--config', '--no-check'])).exitCode).toBe(0);
    expect((await check()).exitCode).toBe(0);
  });
});

describe('debootstrap across the nodes', () => {
  it('node 1 builds an instance; gnt-backup export to node 2; import there with a cold cache', async () => {
    const warm = await warmOn(n1, OS);
    console.info(`node1 cache: ${warm.hit ? 'hit' : 'built'} (seeded: ${warm.seeded.join(', ') || 'none'})`);
    await addOn(n1, 'deb1');
    expect(await guestCat(await disk0On(n1, 'deb1'), '/etc/hostname')).toBe('deb1\n');

    expect((await run(n2, ['ls', '-A', '/var/cache/ganeti-os/debootstrap'])).stdout.trim()).toBe('');
    await must(n1, ['gnt-backup', 'export', '-n', n2.name, 'deb1'], { timeoutMs: 600_000 });
    expect((await must(n2, ['cat', '/var/lib/ganeti/export/deb1/config.ini'])).stdout).toMatch(
      /^os = debootstrap\+bookworm$/m,
    );
    await must(
      n1,
      [
        'gnt-backup',
        'import',
        '-t',
        'file',
        '-n',
        n2.name,
        `--src-node=${n2.name}`,
        '--src-dir=/var/lib/ganeti/export/deb1',
        '--net',
        '0:mac=generate',
        '--no-name-check',
        '--no-ip-check',
        'deb2',
      ],
      { timeoutMs: 600_000 },
    );
    expect(
      (await must(n1, ['gnt-instance', 'list', '--no-headers', '-o', 'name,pnode', 'deb2'])).stdout,
    ).toContain(n2.name);
    const disk = await disk0On(n2, 'deb2');
    expect(await guestCat(disk, '/etc/hostname')).toBe('deb2\n');
    await host('cp', ['--sparse=always', disk, BOOT_IMAGE]);
    booting = bootTest({
      image: BOOT_IMAGE,
      format: 'raw',
      firmware: 'bios',
      expect: /deb2 login:/,
      timeoutMs: 600_000,
    });
    booting.catch(() => undefined);
  });

  it('an instance made on each node from the same variant gets the same packages', async () => {
    const warm = await warmOn(n2, OS);
    console.info(`node2 cache: ${warm.hit ? 'hit' : 'built'}`);
    await addOn(n2, 'deb3');
    const a = await guestPackages(await disk0On(n1, 'deb1'));
    const b = await guestPackages(await disk0On(n2, 'deb3'));
    expect(a.length).toBeGreaterThan(100);
    expect(b).toEqual(a);
  });

  it('the imported guest boots in qemu (TCG) to a login prompt', async () => {
    expect(booting).toBeDefined();
    const r = await booting!;
    console.info(`boot of the imported disk: ${(r.elapsedMs / 1000).toFixed(1)} s`);
    expect(r.ok, r.transcript.slice(-3000)).toBe(true);
    await rm(BOOT_IMAGE, { force: true });
  }, 660_000);

  it('instances and the export are removed on both nodes', async () => {
    for (const i of ['deb1', 'deb2', 'deb3']) await must(n1, ['gnt-instance', 'remove', '-f', i]);
    await must(n1, ['gnt-backup', 'remove', 'deb1']);
    for (const n of [n1, n2]) expect((await run(n, ['ls', '/srv/ganeti/file-storage'])).stdout).toBe('');
  });
});
