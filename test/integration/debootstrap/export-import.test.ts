/**
 * debootstrap export and import of a three-disk instance: disk 0 (the guest, created by the
 * provider, plus test files added by hand), disk 1 (an ext4 data disk formatted by hand, named by
 * UUID in the guest's fstab) and disk 2 (blank: no filesystem, some bytes). Each disk is exported
 * to a file and imported into fresh file disks (disk 0 larger); the trees are compared file by file
 * (type, mode, owner, size, link count, symlink target, sha256, xattrs), the data disk keeps its
 * UUID and the blank disk its bytes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
  linkSync,
  chownSync,
  chmodSync,
  openSync,
  writeSync,
  closeSync,
  truncateSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeHeader, HEADER_SIZE } from '../../../src/stream/header.js';
import { isRoot } from '../../helpers/disk.js';
import {
  blkid,
  fileSize,
  GiB,
  installFixture,
  instanceEnv,
  leakWatch,
  MiB,
  readHead,
  runToFile,
  sfdiskJson,
  treeManifest,
  withImage,
  type EnvSpec,
  type Fixture,
} from './fixture.js';

let fx: Fixture;
beforeAll(() => {
  fx = installFixture({ tag: 'expimp' });
});
afterAll(() => fx?.dispose());

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
/** Rewritten by import: fstab (new filesystems), GRUB's files (regenerated for the new disk). */
const REWRITTEN = /^\/(etc\/fstab|boot\/grub(\/.*)?)$/;

/** Test content the stream must keep: owners, modes, hardlinks, xattrs, a sparse file, odd names. */
function addTestFiles(root: string): void {
  const t = join(root, 'opt/gos-test');
  mkdirSync(t, { recursive: true });
  writeFileSync(join(t, 'a'), 'hardlinked\n');
  linkSync(join(t, 'a'), join(t, 'b'));
  execFileSync('setfattr', ['-n', 'user.gos', '-v', 'kept', join(t, 'a')]);
  writeFileSync(join(t, 'suid'), '#!/bin/sh\n');
  chownSync(join(t, 'suid'), 1234, 5678);
  chmodSync(join(t, 'suid'), 0o4755);
  writeFileSync(join(t, 'cap'), 'x');
  execFileSync('setcap', ['cap_net_raw+ep', join(t, 'cap')]);
  const fd = openSync(join(t, 'sparse'), 'w');
  writeSync(fd, 'start', 0);
  writeSync(fd, 'middle', 40 * MiB);
  closeSync(fd);
  truncateSync(join(t, 'sparse'), 96 * MiB);
  writeFileSync(join(t, 'name with spaces & ünïcode'), 'odd\n');
  symlinkSync('/nonexistent/target', join(t, 'dangling'));
  execFileSync('mkfifo', [join(t, 'fifo')]);
  chmodSync(join(t, 'fifo'), 0o620);
  mkdirSync(join(t, 'sticky'));
  chmodSync(join(t, 'sticky'), 0o1777);
}

function xattrDump(root: string): string {
  // Relative paths (run from the root), symlinks not followed; fstab and GRUB's files are rewritten.
  const r = spawnSync('getfattr', ['-R', '-P', '-h', '-d', '-m', '-', '-e', 'hex', '.'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * MiB,
  });
  if (r.status !== 0) throw new Error(`getfattr: ${r.stderr}`);
  const out = r.stdout;
  // Directory order differs between filesystems: compare the blocks sorted.
  return out
    .split('\n\n')
    .map((b) => b.trim())
    .filter((b) => b !== '' && !/^# file: \.\/(etc\/fstab|boot\/grub)\b/.test(b))
    .sort()
    .join('\n\n');
}

describe.skipIf(!isRoot)('debootstrap export and import', () => {
  let spec: EnvSpec;
  const src = { d0: '', d1: '', d2: '' };
  let dataUuid = '';
  let before: { manifest: string[]; xattrs: string; data: string[]; raw: string };
  const streams: string[] = [];

  it('creates a three-disk instance and adds data by hand', async () => {
    src.d0 = fx.newDisk(3 * GiB, 'd0.img').path;
    src.d1 = fx.newDisk(256 * MiB, 'd1.img').path;
    src.d2 = fx.newDisk(64 * MiB, 'd2.img').path;
    spec = {
      name: 'exp1.example.org',
      variant: 'full',
      disks: [
        { path: src.d0, sizeMiB: 3072 },
        { path: src.d1, sizeMiB: 256 },
        { path: src.d2, sizeMiB: 64 },
      ],
      nics: [{ mac: 'aa:00:00:00:00:01' }],
    };
    const r = await fx.run('create', instanceEnv(spec));
    expect(r.code, r.stderr).toBe(0);

    execFileSync('mkfs.ext4', ['-q', '-F', src.d1]);
    dataUuid = blkid(src.d1).UUID!;
    expect(dataUuid).toMatch(/^[0-9a-f-]{36}$/);
    await withImage(src.d1, (v) => addTestFiles(v.root), { rw: true });
    const fd = openSync(src.d2, 'r+');
    writeSync(fd, Buffer.alloc(MiB, 0xa5), 0, MiB, 4 * MiB);
    writeSync(fd, 'end marker', 64 * MiB - 10);
    closeSync(fd);
    expect(blkid(src.d2).TYPE).toBeUndefined();

    await withImage(
      src.d0,
      (v) => {
        addTestFiles(v.root);
        mkdirSync(join(v.root, 'srv/data'), { recursive: true });
        writeFileSync(
          join(v.root, 'etc/fstab'),
          `${v.read('etc/fstab')}UUID=${dataUuid}\t/srv/data\text4\tdefaults\t0\t2\n`,
        );
      },
      { rw: true },
    );
    before = {
      manifest: await withImage(src.d0, (v) => treeManifest(v.root, REWRITTEN)),
      xattrs: await withImage(src.d0, (v) => xattrDump(v.root)),
      data: await withImage(src.d1, (v) => treeManifest(v.root, /^\/lost\+found$/)),
      raw: sha(readFileSync(src.d2)),
    };
    expect(before.xattrs).toContain('user.gos=0x6b657074');
    expect(before.xattrs).toContain('security.capability=');
  });

  it('exports each disk: a tree stream for the filesystems (data disk with its UUID), raw for the blank disk', async () => {
    const paths = [src.d0, src.d1, src.d2];
    const watch = leakWatch(fx, paths);
    for (const [i, disk] of paths.entries()) {
      const out = join(fx.work, `disk${i}.stream`);
      streams.push(out);
      const r = await runToFile(
        fx,
        'export',
        { ...instanceEnv(spec), EXPORT_DEVICE: disk, EXPORT_DISK_PATH: disk, EXPORT_INDEX: String(i) },
        out,
      );
      expect(r.code, r.stderr).toBe(0);
    }
    expect(watch.check()).toEqual([]);
    const headers = streams.map((s) => decodeHeader(readHead(s, HEADER_SIZE)));
    expect(headers[0]).toMatchObject({ kind: 'tree', index: 0, filesystem: 'ext4', sizeBytes: 3 * GiB });
    expect(headers[1]).toMatchObject({ kind: 'tree', index: 1, filesystem: 'ext4', uuid: dataUuid });
    expect(headers[2]).toMatchObject({ kind: 'raw', index: 2, sizeBytes: 64 * MiB });
    expect(fileSize(streams[2]!)).toBe(HEADER_SIZE + 64 * MiB);
  });

  it('imports into fresh disks (disk 0 larger): same files, owners, modes, links, xattrs, sparse files; data disk UUID kept', async () => {
    const dst = [
      fx.newDisk(4 * GiB, 'i0.img').path,
      fx.newDisk(384 * MiB, 'i1.img').path,
      fx.newDisk(64 * MiB, 'i2.img').path,
    ];
    const ispec: EnvSpec = {
      ...spec,
      name: 'imp1.example.org',
      disks: [
        { path: dst[0]!, sizeMiB: 4096 },
        { path: dst[1]!, sizeMiB: 384 },
        { path: dst[2]!, sizeMiB: 64 },
      ],
    };
    const sizes = dst.map(fileSize);
    const watch = leakWatch(fx, dst);
    for (const [i, disk] of dst.entries()) {
      const r = await fx.run(
        'import',
        { ...instanceEnv(ispec), IMPORT_DEVICE: disk, IMPORT_DISK_PATH: disk, IMPORT_INDEX: String(i) },
        { stdinFile: streams[i]!, sizeFd: true },
      );
      expect(r.code, r.stderr).toBe(0);
    }
    expect(watch.check()).toEqual([]);
    expect(dst.map(fileSize)).toEqual(sizes);

    // Disk 0: the variant's layout over the whole larger disk, new filesystem, same files.
    const table = sfdiskJson(dst[0]!)!;
    expect(table.label).toBe('dos');
    expect(table.partitions[0]!.start + table.partitions[0]!.size).toBe((4 * GiB) / 512);
    await withImage(dst[0]!, (v) => {
      expect(treeManifest(v.root, REWRITTEN)).toEqual(before.manifest);
      expect(xattrDump(v.root)).toBe(before.xattrs);
      const t = join(v.root, 'opt/gos-test');
      expect(statSync(join(t, 'a')).ino).toBe(statSync(join(t, 'b')).ino);
      const sparse = statSync(join(t, 'sparse'));
      expect(sparse.size).toBe(96 * MiB);
      expect(sparse.blocks * 512).toBeLessThan(MiB);
      // fstab: the root line follows the new filesystem, the data disk line is kept as the guest had it.
      const fstab = v.read('etc/fstab');
      const rootUuid = v.filesystems[0]!.UUID!;
      expect(fstab).toMatch(new RegExp(`^UUID=${rootUuid}\\s+/\\s+ext4`, 'm'));
      expect(fstab).toContain(`UUID=${dataUuid}\t/srv/data\text4\tdefaults\t0\t2`);
      expect(v.exists('boot/grub/grub.cfg')).toBe(true);
      expect(v.read('boot/grub/grub.cfg')).toContain(rootUuid);
    });
    expect(readHead(dst[0]!, 512).includes(Buffer.from('GRUB'))).toBe(true);

    // Disk 1: same UUID (so the guest's fstab line still finds it), same files.
    expect(sfdiskJson(dst[1]!)).toBeUndefined();
    expect(blkid(dst[1]!)).toMatchObject({ TYPE: 'ext4', UUID: dataUuid });
    await withImage(dst[1]!, (v) => {
      expect(treeManifest(v.root, /^\/lost\+found$/)).toEqual(before.data);
      expect(statSync(join(v.root, 'opt/gos-test/sparse')).blocks * 512).toBeLessThan(MiB);
    });

    // Disk 2: byte for byte.
    expect(sha(readFileSync(dst[2]!))).toBe(before.raw);
  });

  it("imports ganeti-instance-debootstrap's export format (a dump(8) stream of the root filesystem) into disk 0", async () => {
    // The peer's export: `dump -0 -q -f - <root filesystem>`, here of the instance created above.
    const stream = join(fx.work, 'peer.dump');
    await withImage(src.d0, (v) => {
      const root = v.filesystems.find((f) => f.TYPE === 'ext4')!;
      execFileSync('dump', ['-0', '-q', '-f', stream, root.device], { stdio: ['ignore', 'ignore', 'pipe'] });
    });
    const disk = fx.newDisk(4 * GiB, 'from-peer.img').path;
    const watch = leakWatch(fx, [disk]);
    const r = await fx.run(
      'import',
      {
        ...instanceEnv({
          ...spec,
          name: 'peer1.example.org',
          disks: [{ path: disk, sizeMiB: 4096 }],
          nics: [{ mac: 'aa:00:00:00:00:09' }],
        }),
        IMPORT_DEVICE: disk,
        IMPORT_INDEX: '0',
      },
      { stdinFile: stream },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('from a dump(8) stream');
    expect(watch.check()).toEqual([]);
    await withImage(disk, (v) => {
      expect(v.exists('opt/gos-test/name with spaces & ünïcode')).toBe(true);
      expect(v.exists('restoresymtable')).toBe(false);
      expect(v.read('etc/fstab')).toMatch(
        new RegExp(`^UUID=${v.filesystems.find((f) => f.TYPE === 'ext4')!.UUID}\\s+/\\s`, 'm'),
      );
      expect(v.read('etc/fstab')).toContain(`UUID=${dataUuid}\t/srv/data`); // the guest's own lines stay
      // network files written for this instance's NIC
      expect(
        v.exists('etc/network/interfaces.d/nic0') || v.exists('etc/systemd/network/10-ganeti-nic0.network'),
      ).toBe(true);
      expect(v.exists('boot/grub/grub.cfg')).toBe(true);
    });
  });

  it('a truncated dump stream fails with one line naming the problem, and leaves nothing behind', async () => {
    const whole = join(fx.work, 'peer.dump');
    const cut = join(fx.work, 'peer-cut.dump');
    writeFileSync(cut, readFileSync(whole).subarray(0, Math.floor(statSync(whole).size / 3)));
    const disk = fx.newDisk(4 * GiB, 'from-cut-dump.img').path;
    const watch = leakWatch(fx, [disk]);
    const r = await fx.run(
      'import',
      {
        ...instanceEnv({ ...spec, name: 'cut1.example.org', disks: [{ path: disk, sizeMiB: 4096 }] }),
        IMPORT_DEVICE: disk,
        IMPORT_INDEX: '0',
      },
      { stdinFile: cut },
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr.trimEnd().split('\n').pop()).toMatch(
      /^error\[E_IMPORT_TREE\]: .* \(hint: .*dump stream is damaged or truncated.*\)$/,
    );
    expect(watch.check()).toEqual([]);
    expect(readdirSync('/tmp').filter((n) => n.startsWith('ganeti-os-restore-'))).toEqual([]);
  });

  it('refuses a stream that is not a debootstrap export, before touching the disk', async () => {
    const disk = fx.newDisk(64 * MiB, 'junk-target.img').path;
    const junk = join(fx.work, 'junk.stream');
    writeFileSync(junk, Buffer.alloc(8192, 0x41));
    const watch = leakWatch(fx, [disk]);
    const r = await fx.run(
      'import',
      {
        ...instanceEnv({ ...spec, disks: [{ path: disk, sizeMiB: 64 }] }),
        IMPORT_DEVICE: disk,
        IMPORT_INDEX: '0',
      },
      { stdinFile: junk },
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr.trimEnd().split('\n').pop()).toMatch(/^error\[E_STREAM_FORMAT\]: .* \(hint: .*\)$/);
    expect(watch.check()).toEqual([]);
    expect(spawnSync('cmp', ['-s', disk, '/dev/zero', '-n', String(64 * MiB)]).status).toBe(0);
  });
});
