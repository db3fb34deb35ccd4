import { describe, expect, it } from 'vitest';
import { mkfsCommand, parseBlkidExport } from './filesystems.js';
import { planFstabEntries } from './fstab.js';
import { parseSwaps } from './inuse.js';
import { mountArgs } from './mount.js';
import { mountsBelow, parseMountInfo } from './mountinfo.js';

describe('filesystems', () => {
  it('mkfs commands force over old signatures', () => {
    expect(mkfsCommand('ext4', '/dev/loop0p3', ['-m', '1'])).toEqual([
      'mkfs.ext4',
      ['-F', '-q', '-m', '1', '/dev/loop0p3'],
    ]);
    expect(mkfsCommand('xfs', '/dev/x')).toEqual(['mkfs.xfs', ['-f', '-q', '/dev/x']]);
    expect(mkfsCommand('btrfs', '/dev/x')).toEqual(['mkfs.btrfs', ['-f', '-q', '/dev/x']]);
    expect(mkfsCommand('swap', '/dev/x')).toEqual(['mkswap', ['-f', '/dev/x']]);
    expect(mkfsCommand('vfat', '/dev/x')).toEqual(['mkfs.vfat', ['-n', 'EFI', '/dev/x']]);
  });
  it('parses blkid -o export', () => {
    expect(
      parseBlkidExport(
        'DEVNAME=/dev/loop0p3\nUUID=beb422ce-d0d9-4e23-8d06-0821dc9de542\nBLOCK_SIZE=1024\nTYPE=ext4\nLABEL=my\\ disk\nPARTUUID=168da1b7-01\n',
      ),
    ).toEqual({
      DEVNAME: '/dev/loop0p3',
      UUID: 'beb422ce-d0d9-4e23-8d06-0821dc9de542',
      BLOCK_SIZE: '1024',
      TYPE: 'ext4',
      LABEL: 'my disk',
      PARTUUID: '168da1b7-01',
    });
  });
  it('plans UUID-based fstab entries', () => {
    const entries = planFstabEntries(
      [
        { role: 'bios-boot', number: 1, device: '/dev/loop0p1', uuid: undefined, fstype: 'none' },
        { role: 'esp', number: 2, device: '/dev/loop0p2', uuid: 'AB12-CD34', fstype: 'vfat' },
        { role: 'swap', number: 3, device: '/dev/loop0p3', uuid: 's-1', fstype: 'swap' },
        { role: 'boot', number: 4, device: '/dev/loop0p4', uuid: 'b-1', fstype: 'ext2' },
        { role: 'root', number: 5, device: '/dev/loop0p5', uuid: 'r-1', fstype: 'xfs' },
      ],
      ['noatime'],
    );
    expect(entries).toEqual([
      { spec: 'UUID=r-1', mountpoint: '/', type: 'xfs', options: 'defaults,noatime', dump: 0, pass: 0 },
      { spec: 'UUID=b-1', mountpoint: '/boot', type: 'ext2', options: 'defaults', dump: 0, pass: 2 },
      {
        spec: 'UUID=AB12-CD34',
        mountpoint: '/boot/efi',
        type: 'vfat',
        options: 'umask=0077,nofail',
        dump: 0,
        pass: 2,
      },
      { spec: 'UUID=s-1', mountpoint: 'none', type: 'swap', options: 'sw', dump: 0, pass: 0 },
    ]);
  });
});

describe('mounts', () => {
  const MOUNTINFO = `22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
30 22 7:0 / /run/ganeti-os/disk-1/root rw,nosuid,nodev shared:5 - ext4 /dev/loop0p3 rw
31 30 7:1 / /run/ganeti-os/disk-1/root/boot rw - ext4 /dev/loop0p2 rw
32 30 0:5 / /run/ganeti-os/disk-1/root/dev rw - devtmpfs udev rw
33 22 0:44 / /mnt/with\\040space rw - tmpfs tmpfs rw
`;
  it('parses mountinfo, unescaping octal', () => {
    const m = parseMountInfo(MOUNTINFO);
    expect(m[1]).toMatchObject({
      mountPoint: '/run/ganeti-os/disk-1/root',
      fsType: 'ext4',
      source: '/dev/loop0p3',
      majorMinor: '7:0',
    });
    expect(m[4]!.mountPoint).toBe('/mnt/with space');
  });
  it('lists mounts below a directory deepest first', () => {
    expect(mountsBelow('/run/ganeti-os/disk-1', parseMountInfo(MOUNTINFO))).toEqual([
      '/run/ganeti-os/disk-1/root/boot',
      '/run/ganeti-os/disk-1/root/dev',
      '/run/ganeti-os/disk-1/root',
    ]);
    expect(mountsBelow('/run/ganeti-os/disk-10', parseMountInfo(MOUNTINFO))).toEqual([]);
  });
  it('builds mount arguments', () => {
    expect(mountArgs({ source: '/dev/x', dir: '/m', fstype: 'ext4', options: ['nosuid', 'nodev'] })).toEqual([
      '-t',
      'ext4',
      '-o',
      'nosuid,nodev',
      '/dev/x',
      '/m',
    ]);
    expect(mountArgs({ source: '/dev', dir: '/m/dev', bind: true })).toEqual(['--bind', '/dev', '/m/dev']);
  });
  it('parses /proc/swaps', () => {
    expect(
      parseSwaps(
        'Filename\tType\tSize\tUsed\tPriority\n/dev/loop3p2                            partition\t32764\t0\t-2\n',
      ),
    ).toEqual(['/dev/loop3p2']);
  });
});
