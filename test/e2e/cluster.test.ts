/**
 * `ganeti-os cluster digest/check/install` on a one-node cluster (the multi-node harness with one
 * node: `gnt-cluster command` needs an sshd, which it has): install through Ganeti's machinery,
 * a clean check, and the digest following an edited variant file (drift between nodes is shown
 * by two-node.test.ts and the unit tests of src/cluster/).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  C2_STATE,
  type NodeSpec,
  clusterUp,
  downCluster,
  must,
  upCluster,
} from '../helpers/ganeti-cluster2.js';
import { INSTALLED_CLI, ganetiOsOn } from '../helpers/ganeti-cluster2-ops.js';
import { mountsBelow } from '../helpers/ganeti-host.js';

interface Digest {
  node: string;
  providers: { name: string; variants: { name: string; digest: string; files: { path: string }[] }[] }[];
}

let n1: NodeSpec;

beforeAll(async () => {
  [n1] = (await upCluster(1)) as [NodeSpec];
});

afterAll(async () => {
  await downCluster();
  expect(await clusterUp()).toBe(false);
  expect(await mountsBelow(C2_STATE)).toEqual([]);
});

describe('cluster commands on one node', () => {
  it('cluster install, then check: clean', async () => {
    const r = await ganetiOsOn(n1, ['cluster', 'install', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, reference: n1.name, differences: [] });
    const c = await ganetiOsOn(n1, ['cluster', 'check', '--cli', INSTALLED_CLI]);
    expect(c.exitCode, c.stderr).toBe(0);
    expect(c.stdout).toContain('all 1 node(s) agree');
  });

  it('the digest names every installed provider and follows an edited variant', async () => {
    const digest = async (): Promise<Digest> =>
      JSON.parse((await ganetiOsOn(n1, ['cluster', 'digest', '--json'], { check: true })).stdout) as Digest;
    const before = await digest();
    expect(before.node).toBe(n1.name);
    expect(before.providers.map((p) => p.name)).toEqual(expect.arrayContaining(['debootstrap', 'noop']));
    const bookworm = (d: Digest) =>
      d.providers.find((p) => p.name === 'debootstrap')!.variants.find((v) => v.name === 'bookworm')!;
    await mkdir(`${n1.root}/etc-ganeti/instance-debootstrap/variants`, { recursive: true });
    await writeFile(
      `${n1.root}/etc-ganeti/instance-debootstrap/variants/bookworm.yaml`,
      'extend: bookworm\nextra-pkgs: [vim-tiny]\n',
    );
    const after = await digest();
    expect(bookworm(after).digest).not.toBe(bookworm(before).digest);
    expect(bookworm(after).files[0]!.path).toBe('/etc/ganeti/instance-debootstrap/variants/bookworm.yaml');
    // One node cannot drift from itself.
    expect((await ganetiOsOn(n1, ['cluster', 'check', '--cli', INSTALLED_CLI])).exitCode).toBe(0);
    await must(n1, ['true']);
  });
});
