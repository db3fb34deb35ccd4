/**
 * The peer's backups keep working once it is replaced: an instance created and exported through a
 * real Ganeti by Debian's ganeti-instance-debootstrap (its package's scripts, configured privately
 * inside the cluster's mount namespace; its export is a dump(8) stream of the root filesystem) is
 * imported by ours with `gnt-backup import` (into debootstrap+default, the export's OS), and the imported guest boots in
 * qemu (TCG) to a login prompt carrying its new name.
 *
 * The cluster has no route out, so the peer's bootstrap cache is seeded with the test root tree (a
 * minimal bookworm with a kernel, made once with debootstrap on the host): the peer unpacks its
 * cache exactly as it does on a node whose cache is warm.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTest } from '../../src/boot/qemu.js';
import { ensureTestRootfs } from '../helpers/disk.js';
import { expectCleanHost } from '../helpers/ganeti-clean.js';
import { installedPaths } from '../helpers/ganeti-cache.js';
import { guestCat, hostPath } from '../helpers/ganeti-guest.js';
import {
  INSTANCE_OPTS,
  NODE_NAME,
  STATE_DIR,
  backupImportArgv,
  down,
  hideOsDir,
  must,
  osLogs,
  privateOsDir,
  up,
} from '../helpers/ganeti-harness.js';
import { host } from '../helpers/ganeti-host.js';
import { OUR_OS_DIR, diskFiles, installOurs } from '../helpers/ganeti-ours.js';

const DEBIAN_OS_DIR = '/usr/share/ganeti/os';
let peer = '';

/** Bind `file` over `target` inside the cluster's mount namespace (the host's file is untouched). */
const bindInCluster = (file: string, target: string): Promise<unknown> =>
  must(['mount', '--bind', file, target]);

beforeAll(async () => {
  peer = await mkdtemp('/var/tmp/ganeti-os-peer-');
  await mkdir(join(peer, 'cache'));
  // Its cache: the test root tree, plus the /etc/network a debootstrap of Debian's standard set has.
  const cache = join(peer, 'cache', 'cache-bookworm-amd64.tar');
  await copyFile(ensureTestRootfs(), cache);
  await mkdir(join(peer, 'extra', 'etc', 'network'), { recursive: true });
  execFileSync('tar', ['-rf', cache, '-C', join(peer, 'extra'), './etc/network']);
  await writeFile(join(peer, 'defaults'), 'GENERATE_CACHE="yes"\nCLEAN_CACHE=""\n');
  await writeFile(join(peer, 'default.conf'), 'SUITE="bookworm"\nPARTITION_STYLE="none"\n');
  await up();
  await privateOsDir(OUR_OS_DIR);
  await bindInCluster(join(peer, 'defaults'), '/etc/default/ganeti-instance-debootstrap');
  await bindInCluster(join(peer, 'default.conf'), '/etc/ganeti/instance-debootstrap/variants/default.conf');
  await bindInCluster(join(peer, 'cache'), '/var/cache/ganeti-instance-debootstrap');
});

afterAll(async () => {
  await down();
  if (peer) await rm(peer, { recursive: true, force: true });
  await expectCleanHost();
});

describe("ganeti-instance-debootstrap's exports imported by ours", () => {
  it('the peer creates and exports an instance (a dump stream)', async () => {
    await must([
      'gnt-instance',
      'add',
      '-t',
      'file',
      '--disk',
      '0:size=2G',
      '-o',
      'debootstrap+default',
      '--no-start',
      ...INSTANCE_OPTS,
      'peer1.example.org',
    ]);
    await must(['gnt-backup', 'export', '-n', NODE_NAME, 'peer1.example.org']);
    await must(['gnt-instance', 'remove', '-f', 'peer1.example.org']);
  });

  it('ours imports it (gnt-backup import: the OS of the export, debootstrap+default); the guest boots with its new name', async () => {
    await hideOsDir(DEBIAN_OS_DIR); // ours replaces the peer: the same OS name
    await installOurs(['debootstrap'], { force: true });
    const paths = await installedPaths('debootstrap');
    // The fake hypervisor has no serial_console parameter: the node's admin turns the console on.
    await mkdir(join(paths.configDir, 'variants'), { recursive: true });
    await writeFile(
      join(paths.configDir, 'variants', 'default.yaml'),
      "extend: default\nserial-console: 'on'\n",
    );
    await must(backupImportArgv('peer1.example.org', 'imp1.example.org', ['--disk', '0:size=3G']));
    const log = (await osLogs((n) => n.startsWith('import-') && n.includes('imp1.example.org')))
      .map((l) => l.text)
      .join('\n');
    expect(log).toContain('from a dump(8) stream');

    const disk = hostPath((await diskFiles('imp1.example.org'))[0]!);
    // The peer wrote the FQDN to /etc/hostname; the rename keeps the guest's style.
    expect(await guestCat(disk, '/etc/hostname')).toBe('imp1.example.org\n');
    expect(await guestCat(disk, '/etc/fstab')).toMatch(/^UUID=[0-9a-f-]+\s+\/\s+ext4\s/m);
    const image = `${STATE_DIR}/boot-imp1.img`;
    await host('cp', ['--sparse=always', disk, image]);
    const r = await bootTest({
      image,
      format: 'raw',
      firmware: 'bios',
      expect: /imp1(\.example\.org)? login:/,
      timeoutMs: 600_000,
    });
    await rm(image, { force: true });
    expect(r.ok, `no "imp1 login:"; console tail:\n${r.transcript.slice(-3000)}`).toBe(true);
    await must(['gnt-instance', 'remove', '-f', 'imp1.example.org']);
  });
});
