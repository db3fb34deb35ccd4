import { describe, expect, it } from 'vitest';
import { compareCluster, formatCheck, formatDifference } from './compare.js';
import { variantDigest, type VariantRead } from './digest.js';
import { DIGEST_FORMAT, type NodeDigest } from './types.js';

const CONF = '/etc/ganeti/instance-debootstrap';

function variant(name: string, over: Partial<VariantRead> = {}): VariantRead {
  return {
    name,
    published: true,
    isDefault: name === 'bookworm',
    values: { suite: name, packages: ['openssh-server'], hooks: [`${CONF}/hooks`] },
    files: [
      {
        path: `/usr/local/lib/ganeti-os/share/variants/debootstrap/${name}.yaml`,
        content: Buffer.from(`suite: ${name}\n`),
        mode: 0o644,
      },
    ],
    hooks: [
      {
        phase: 'post-install',
        path: `${CONF}/hooks/50-motd`,
        content: Buffer.from('#!/bin/sh\n'),
        mode: 0o755,
      },
    ],
    ...over,
  };
}

function node(name: string, variants: VariantRead[], over: Partial<NodeDigest> = {}): NodeDigest {
  return {
    format: DIGEST_FORMAT,
    node: name,
    version: '0.2.0',
    searchPath: ['/srv/ganeti/os'],
    providers: [
      {
        name: 'debootstrap',
        dir: '/srv/ganeti/os/debootstrap',
        version: '0.2.0',
        apiVersions: [20, 15, 10],
        variantsList: variants.map((v) => v.name),
        variants: variants.map(variantDigest),
      },
      {
        name: 'noop',
        dir: '/srv/ganeti/os/noop',
        version: '0.2.0',
        apiVersions: [15, 10],
        variantsList: [],
        variants: [],
      },
    ],
    ...over,
  };
}

const check = (a: NodeDigest, b: NodeDigest) =>
  compareCluster(
    [
      { node: 'node1', digest: a },
      { node: 'node2', digest: b },
    ],
    'node1',
  );

describe('cluster check: comparing node digests', () => {
  it('equal configuration on both nodes: no difference', () => {
    const r = check(
      node('node1', [variant('bookworm'), variant('trixie')]),
      node('node2', [variant('bookworm'), variant('trixie')]),
    );
    expect(r.differences).toEqual([]);
    expect(r.ok).toBe(true);
    expect(formatCheck(r)).toContain('all 2 node(s) agree');
  });

  it('an admin variant file present on node 2 only: names node, provider, variant, file and keys', () => {
    const edited = variant('bookworm', {
      values: { suite: 'bookworm', packages: ['openssh-server', 'vim'], hooks: [`${CONF}/hooks`] },
      files: [
        {
          path: `${CONF}/variants/bookworm.yaml`,
          content: Buffer.from('extend: bookworm\npackages: [+vim]\n'),
          mode: 0o644,
        },
        ...variant('bookworm').files,
      ],
    });
    const r = check(node('node1', [variant('bookworm')]), node('node2', [edited]));
    expect(r.ok).toBe(false);
    expect(r.differences).toEqual([
      {
        node: 'node2',
        provider: 'debootstrap',
        variant: 'bookworm',
        file: `${CONF}/variants/bookworm.yaml`,
        message: `file ${CONF}/variants/bookworm.yaml is read here, not on node1`,
      },
      {
        node: 'node2',
        provider: 'debootstrap',
        variant: 'bookworm',
        key: 'packages',
        message: "resolved value of packages differs from node1's",
      },
    ]);
    expect(formatDifference(r.differences[0]!)).toBe(
      `node2: debootstrap+bookworm: file ${CONF}/variants/bookworm.yaml is read here, not on node1`,
    );
  });

  it('a file with other content, a hook with other bits, a hook only on one node', () => {
    const v2 = variant('bookworm', {
      files: [{ ...variant('bookworm').files[0]!, content: Buffer.from('suite: bookworm # edited\n') }],
      hooks: [
        { ...variant('bookworm').hooks[0]!, mode: 0o644 },
        {
          phase: 'post-install',
          path: `${CONF}/hooks/60-extra`,
          content: Buffer.from('#!/bin/sh\n'),
          mode: 0o755,
        },
      ],
    });
    const msgs = check(node('node1', [variant('bookworm')]), node('node2', [v2])).differences.map((d) => [
      d.file,
      d.message,
    ]);
    expect(msgs).toEqual([
      [
        '/usr/local/lib/ganeti-os/share/variants/debootstrap/bookworm.yaml',
        expect.stringMatching(
          /^file .*bookworm\.yaml differs \(sha256 [0-9a-f]{12}, on node1 [0-9a-f]{12}\)$/,
        ),
      ],
      [`${CONF}/hooks/50-motd`, `hook post-install ${CONF}/hooks/50-motd has mode 0644 (on node1 0755)`],
      [`${CONF}/hooks/60-extra`, `hook post-install ${CONF}/hooks/60-extra is read here, not on node1`],
    ]);
  });

  it('version, missing provider, missing variant, unresolvable variant, silent node', () => {
    const a = node('node1', [variant('bookworm'), variant('trixie')]);
    const b = node('node2', [variant('bookworm', { error: 'error[E_VARIANT_KEY]: bad key' })], {
      version: '0.1.0',
    });
    b.providers = b.providers.filter((p) => p.name !== 'noop');
    const r = compareCluster(
      [
        { node: 'node1', digest: a },
        { node: 'node2', digest: b },
        { node: 'node3', error: 'exit 127: ganeti-os: not found' },
      ],
      'node1',
    );
    expect(r.differences.map(formatDifference)).toEqual([
      'node2: runs ganeti-os 0.1.0 (node1: 0.2.0)',
      'node2: debootstrap: variants.list is [bookworm] (on node1: [bookworm, trixie])',
      'node2: debootstrap+bookworm: does not resolve here: error[E_VARIANT_KEY]: bad key',
      expect.stringMatching(/^node2: debootstrap\+trixie: variant exists on node1, not here$/),
      'node2: noop: not installed here (on node1: /srv/ganeti/os/noop)',
      'node3: no digest: exit 127: ganeti-os: not found',
    ]);
    expect(r.differences.find((d) => d.variant === 'trixie')?.file).toContain('trixie.yaml');
  });
});
