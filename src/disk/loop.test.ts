import { describe, expect, it } from 'vitest';
import { losetupAttachArgs } from './loop.js';

describe('losetup', () => {
  it('builds attach arguments without ever resizing the file', () => {
    expect(losetupAttachArgs('/x.img')).toEqual(['--find', '--show', '/x.img']);
    expect(
      losetupAttachArgs('/dev/loop0', { readOnly: true, offsetBytes: 1048576, sizeBytes: 2048 }),
    ).toEqual([
      '--find',
      '--show',
      '--read-only',
      '--offset',
      '1048576',
      '--sizelimit',
      '2048',
      '/dev/loop0',
    ]);
  });
});
