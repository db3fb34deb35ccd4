import { describe, expect, it } from 'vitest';
import {
  checksumSeedWanted,
  isImageFilesystem,
  parseFsFeatures,
  parseResidentBytes,
  restoreCommands,
} from './fs-image.js';

describe('filesystem images', () => {
  it('are kept for the ext family only', () => {
    expect(['ext2', 'ext3', 'ext4'].every(isImageFilesystem)).toBe(true);
    expect(isImageFilesystem('xfs')).toBe(false);
    expect(isImageFilesystem('btrfs')).toBe(false);
  });

  it('restore: copy with O_DIRECT (holes zeroed), grow to the partition, then a UUID of its own', () => {
    const image = { path: '/proc/42/fd/7', bytes: 1 << 30, fstype: 'ext4' as const };
    const cmds = restoreCommands(image, '/dev/loop3p1', '0b14bca2-8978-4db9-b27e-8cd5ad7d1c94');
    expect(cmds).toEqual([
      {
        cmd: 'qemu-img',
        args: [
          'convert',
          '-n',
          '-f',
          'raw',
          '-O',
          'raw',
          '-t',
          'none',
          '-W',
          '/proc/42/fd/7',
          '/dev/loop3p1',
        ],
      },
      { cmd: 'resize2fs', args: ['-f', '/dev/loop3p1'] },
      { cmd: 'tune2fs', args: ['-U', '0b14bca2-8978-4db9-b27e-8cd5ad7d1c94', '/dev/loop3p1'] },
    ]);
    // never --target-is-zero: a reused volume's old blocks must not show through the holes
    expect(cmds.flatMap((c) => c.args)).not.toContain('--target-is-zero');
  });

  it('restore: the image read with O_DIRECT; no tool flushes when the caller flushes', () => {
    const image = { path: '/proc/42/fd/7', bytes: 1 << 30, fstype: 'ext4' as const };
    const noSync = { LD_PRELOAD: 'libeatmydata.so' };
    const cmds = restoreCommands(image, '/dev/loop3p1', 'u', { directRead: true, noSync });
    expect(cmds[0]!.args).toEqual([
      'convert',
      '-n',
      '-f',
      'raw',
      '-O',
      'raw',
      '-T',
      'none',
      '-t',
      'none',
      '-W',
      '/proc/42/fd/7',
      '/dev/loop3p1',
    ]);
    expect(cmds.map((c) => c.env)).toEqual([noSync, noSync, noSync]);
  });

  it('reads fincore residency', () => {
    expect(parseResidentBytes('870166528\n')).toBe(870166528);
    expect(parseResidentBytes('0')).toBe(0);
    expect(parseResidentBytes('')).toBeUndefined();
    expect(parseResidentBytes('n/a')).toBeUndefined();
  });

  it('stores the checksum seed only where metadata checksums are on and it is not stored yet', () => {
    const dump = (f: string): string =>
      `Filesystem volume name:   <none>\nFilesystem features:      ${f}\nBlock size:               4096\n`;
    const ext4 = parseFsFeatures(dump('has_journal ext_attr extent 64bit flex_bg metadata_csum'));
    expect(ext4).toContain('metadata_csum');
    expect(checksumSeedWanted(ext4)).toBe(true);
    expect(checksumSeedWanted(parseFsFeatures(dump('has_journal metadata_csum metadata_csum_seed')))).toBe(
      false,
    );
    expect(checksumSeedWanted(parseFsFeatures(dump('has_journal ext_attr dir_index')))).toBe(false);
    expect(parseFsFeatures(dump('(none)'))).toEqual([]);
    expect(parseFsFeatures('no superblock here')).toEqual([]);
  });
});
