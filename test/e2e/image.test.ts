/**
 * The image provider through a real Ganeti: installed with `ganeti-os install image`, valid in
 * `gnt-os diagnose`, its parameters in `gnt-os info image`, then for each format (a dump, a zstd
 * tarball, a qcow2 and a raw disk image of a small golden tree) `gnt-instance add -o image+<variant>`
 * on a file disk, `reinstall`, `rename`, `gnt-backup export` and `import` into a larger disk, the
 * guest inspected from the host after each step; last, instance-image's own configuration
 * (`variants/default.conf`, networks/ files) through `gnt-instance add -o image+default`.
 * The golden tree has no kernel, so the variants install no boot loader (test/boot/image-roundtrip
 * boots real clones).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanHost } from '../helpers/ganeti-clean.js';
import { installedPaths, type InstalledPaths } from '../helpers/ganeti-cache.js';
import { diskLayout, guestCat, hostPath } from '../helpers/ganeti-guest.js';
import {
  INSTANCE_OPTS,
  NODE_NAME,
  STATE_DIR,
  backupImportArgv,
  down,
  must,
  osLogs,
  privateOsDir,
  run,
  up,
} from '../helpers/ganeti-harness.js';
import { parseDiagnose, parseOsInfo, parseOsList } from '../helpers/ganeti-output.js';
import { OUR_OS_DIR, diskFiles, ganetiOs, installOurs } from '../helpers/ganeti-ours.js';
import {
  GOLDEN_MACHINE_ID,
  makeDump,
  makeGoldenTree,
  makeQcow2,
  makeRawDisk,
  makeZstdTarball,
} from '../integration/image-provider/fixture.js';

const IMAGES = `${STATE_DIR}/images`;
const MiB = 1024 * 1024;

/** One variant per format: its file in the image directory and a short instance-name stem. */
const FORMATS = [
  { variant: 'dump', file: 'golden-x86_64-root.dump', stem: 'idump' },
  { variant: 'tarzst', file: 'golden.tar.zst', stem: 'itar' },
  { variant: 'qcow2', file: 'golden.qcow2', stem: 'iqcow' },
  { variant: 'raw', file: 'golden.raw', stem: 'iraw' },
] as const;

let paths: InstalledPaths;
const disk0 = async (inst: string): Promise<string> => hostPath((await diskFiles(inst))[0]!);

beforeAll(async () => {
  await up();
  await privateOsDir(OUR_OS_DIR);
  await installOurs(['image'], { force: true });
  paths = await installedPaths('image');
  // The images, made on the host below the harness state (seen at the same path in the cluster).
  const work = join(IMAGES, '.work');
  await mkdir(work, { recursive: true });
  const tree = join(work, 'tree');
  makeGoldenTree(tree);
  makeDump(tree, join(IMAGES, 'golden-x86_64-root.dump'), work);
  makeZstdTarball(tree, join(IMAGES, 'golden.tar.zst'));
  makeRawDisk(tree, join(IMAGES, 'golden.raw'));
  makeQcow2(join(IMAGES, 'golden.raw'), join(IMAGES, 'golden.qcow2'));
  await rm(work, { recursive: true, force: true });
  const variants = join(paths.configDir, 'variants');
  await mkdir(variants, { recursive: true });
  for (const f of FORMATS) {
    await writeFile(
      join(variants, `${f.variant}.yaml`),
      `source: ${f.file}\nimage-dir: ${IMAGES}\nbootloader: none\n`,
    );
  }
}, 300_000);

afterAll(async () => {
  await down();
  await expectCleanHost();
});

describe('the image provider through Ganeti', () => {
  it('variants sync publishes the variants; gnt-os diagnose: valid; gnt-os info lists the parameters', async () => {
    await ganetiOs(['variants', 'sync', 'image'], { check: true });
    const diagnose = parseDiagnose((await must(['gnt-os', 'diagnose'])).stdout);
    expect(diagnose.get('image')?.status).toBe('valid');
    const list = parseOsList((await must(['gnt-os', 'list', '--no-headers'])).stdout);
    expect(list).toEqual(expect.arrayContaining(FORMATS.map((f) => `image+${f.variant}`)));
    const info = parseOsInfo((await must(['gnt-os', 'info', 'image'])).stdout).get('image')!;
    expect(info).toMatchObject({ valid: true, hidden: false, blacklisted: false });
    expect(info.apiVersions).toContain(20);
    expect(info.parameters.map(([n]) => n).sort()).toEqual(
      ['cloud-userdata', 'filesystem', 'image', 'root-password', 'ssh-key'].sort(),
    );
    for (const [, desc] of info.parameters) expect(desc.trim()).not.toBe('');
  });

  it('an image parameter with a path is refused by verify, before any disk is made', async () => {
    const r = await run([
      'gnt-instance',
      'add',
      '-t',
      'file',
      '--disk',
      '0:size=64M',
      '-o',
      'image+tarzst',
      '-O',
      'image=../../etc/shadow',
      '--no-start',
      ...INSTANCE_OPTS,
      'ibad.example.org',
    ]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/image must be a file name|E_PARAM|E_IMAGE_NAME/);
    expect((await must(['gnt-instance', 'list', '--no-headers', '-o', 'name'])).stdout).toBe('');
  });

  describe.each(FORMATS)('image+$variant', (f) => {
    const first = `${f.stem}1.example.org`;
    const renamed = `${f.stem}2.example.org`;
    const imported = `${f.stem}3.example.org`;
    let machineId = '';
    let hostKey = '';

    it('gnt-instance add: the guest is the golden tree with its own name and identity', async () => {
      await must([
        'gnt-instance',
        'add',
        '-t',
        'file',
        '--disk',
        '0:size=512M',
        '-o',
        `image+${f.variant}`,
        '--no-start',
        ...INSTANCE_OPTS,
        first,
      ]);
      const logs = await osLogs((n) => n.startsWith(`add-image+${f.variant}-${first}-`));
      expect(logs).toHaveLength(1);
      const lines = logs[0]!.text.trimEnd().split('\n');
      expect(
        lines.filter((l) => /warn|error|fail|traceback/i.test(l)),
        logs[0]!.text,
      ).toEqual([]);
      expect(lines.at(-1)).toBe(`${first} installed`);
      const disk = await disk0(first);
      expect(await guestCat(disk, '/etc/image-marker')).toBe('golden\n');
      expect(await guestCat(disk, '/etc/hostname')).toBe(`${f.stem}1\n`);
      const id = (await guestCat(disk, '/etc/machine-id')).trim();
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(id).not.toBe(GOLDEN_MACHINE_ID);
      // The root filesystem's partition reaches the end of the 512 MiB disk.
      const last = (await diskLayout(disk)).partitions.at(-1)!;
      expect(last.start + last.sizeBytes).toBeGreaterThan(510 * MiB);
    });

    it('gnt-instance reinstall -f installs again', async () => {
      await must(['gnt-instance', 'reinstall', '-f', first]);
      const logs = await osLogs((n) => n.startsWith(`add-image+${f.variant}-${first}-`));
      expect(logs).toHaveLength(2);
      expect(logs[1]!.text).toContain('(reinstall)');
      expect(logs[1]!.text.trimEnd().split('\n').at(-1)).toBe(`${first} installed`);
      expect(await guestCat(await disk0(first), '/etc/hostname')).toBe(`${f.stem}1\n`);
    });

    it('gnt-instance rename: the hostname follows', async () => {
      const r = await must([
        'gnt-instance',
        'rename',
        '-f',
        '--no-name-check',
        '--no-ip-check',
        first,
        renamed,
      ]);
      expect(r.stdout + r.stderr).not.toContain('Could not run OS rename script');
      const disk = await disk0(renamed);
      expect(await guestCat(disk, '/etc/hostname')).toBe(`${f.stem}2\n`);
      expect(await guestCat(disk, '/etc/hosts')).toContain(renamed);
      machineId = (await guestCat(disk, '/etc/machine-id')).trim();
      hostKey = await guestCat(disk, '/etc/ssh/ssh_host_ed25519_key.pub');
    });

    it('gnt-backup export, then import into a larger disk', async () => {
      await must(['gnt-backup', 'export', '-n', NODE_NAME, renamed]);
      const r = await must(backupImportArgv(renamed, imported, ['--disk', '0:size=640M']));
      expect(r.stdout + r.stderr).not.toContain('Could not run OS rename script');
      for (const l of await osLogs((n) => /^(export|import)-image/.test(n) && n.includes(f.stem))) {
        expect(
          l.text.split('\n').filter((x) => /warn|error|fail/i.test(x)),
          l.name,
        ).toEqual([]);
      }
      const disk = await disk0(imported);
      expect(await guestCat(disk, '/etc/image-marker')).toBe('golden\n');
      expect(await guestCat(disk, '/etc/hostname')).toBe(`${f.stem}3\n`);
      // An import moves the instance: its identity comes along.
      expect((await guestCat(disk, '/etc/machine-id')).trim()).toBe(machineId);
      expect(await guestCat(disk, '/etc/ssh/ssh_host_ed25519_key.pub')).toBe(hostKey);
      const last = (await diskLayout(disk)).partitions.at(-1)!;
      expect(last.start + last.sizeBytes).toBeGreaterThan(638 * MiB);
      for (const inst of [renamed, imported]) await must(['gnt-instance', 'remove', '-f', inst]);
      await must(['gnt-backup', 'remove', renamed]);
    });
  });

  it("instance-image's files: variants/default.conf, networks/ files, gnt-instance add -o image+default", async () => {
    await writeFile(
      join(paths.configDir, 'variants', 'default.conf'),
      `IMAGE_NAME="golden"\nIMAGE_TYPE="dump"\nIMAGE_DIR="${IMAGES}"\nARCH="x86_64"\nFILESYSTEM="ext4"\n`,
    );
    await writeFile(join(paths.configDir, 'variants', 'default.yaml'), 'bootloader: none\n');
    await mkdir(join(paths.configDir, 'networks', 'subnets'), { recursive: true });
    await mkdir(join(paths.configDir, 'networks', 'instances'), { recursive: true });
    await writeFile(
      join(paths.configDir, 'networks', 'subnets', 'vlan42'),
      'NETMASK="255.255.255.0"\nGATEWAY="192.168.1.1"\n',
    );
    await writeFile(
      join(paths.configDir, 'networks', 'instances', 'web1.example.org'),
      'ADDRESS=192.168.1.100\nSUBNET=vlan42\n',
    );
    await must([
      'gnt-instance',
      'add',
      '-t',
      'file',
      '--disk',
      '0:size=512M',
      '-B',
      'maxmem=128M,minmem=128M',
      '-o',
      'image+default',
      '--no-start',
      ...INSTANCE_OPTS,
      'web1.example.org',
    ]);
    const disk = await disk0('web1.example.org');
    const layout = await diskLayout(disk);
    // instance-image's layout: /boot (100 MB), swap (the memory), /.
    expect(layout.partitions).toHaveLength(3);
    expect(await guestCat(disk, '/etc/hostname')).toBe('web1\n');
    const nic = await guestCat(disk, '/etc/network/interfaces.d/nic0');
    expect(nic).toMatch(/inet static\n(\s+.*\n)*?\s+address 192\.168\.1\.100\/24\n/);
    expect(nic).toMatch(/\s+gateway 192\.168\.1\.1\n/);
    await must(['gnt-instance', 'remove', '-f', 'web1.example.org']);
    expect((await run(['ls', '/srv/ganeti/file-storage'])).stdout).toBe('');
  });
});
