import { describe, expect, it } from 'vitest';
import { isImageFilesystem, restoreCommands } from './fs-image.js';

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
      [
        'qemu-img',
        ['convert', '-n', '-f', 'raw', '-O', 'raw', '-t', 'none', '-W', '/proc/42/fd/7', '/dev/loop3p1'],
      ],
      ['resize2fs', ['-f', '/dev/loop3p1']],
      ['tune2fs', ['-U', '0b14bca2-8978-4db9-b27e-8cd5ad7d1c94', '/dev/loop3p1']],
    ]);
    // never --target-is-zero: a reused volume's old blocks must not show through the holes
    expect(cmds.flat(2)).not.toContain('--target-is-zero');
  });
});
