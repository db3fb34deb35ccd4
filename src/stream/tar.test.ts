import { describe, expect, it } from 'vitest';
import { TAR_METADATA_FLAGS, tarCreateArgv, tarExtractArgv } from './tar.js';

/** Options that would let an untrusted archive reach outside the target. */
const UNSAFE = ['-P', '--absolute-names', '-h', '--dereference', '--overwrite', '--unlink-first'];

describe('tar argv', () => {
  it('creates a sparse archive of the tree with all metadata, root member "."', () => {
    expect(tarCreateArgv({ dir: '/mnt/t' })).toEqual([
      'tar',
      '--acls',
      '--xattrs',
      '--xattrs-include=*',
      '--numeric-owner',
      '--sparse',
      '-C',
      '/mnt/t',
      '-cf',
      '-',
      '.',
    ]);
  });

  it('stays on one filesystem and drops --sparse when asked', () => {
    const argv = tarCreateArgv({ dir: '/mnt/t', sparse: false, oneFileSystem: true });
    expect(argv).toContain('--one-file-system');
    expect(argv).not.toContain('--sparse');
    expect(argv.slice(-5)).toEqual(['-C', '/mnt/t', '-cf', '-', '.']);
  });

  it('extracts from stdin keeping permissions and metadata, pipe records on request', () => {
    expect(tarExtractArgv({ dir: '/mnt/t' })).toEqual([
      'tar',
      ...TAR_METADATA_FLAGS,
      '-xpf',
      '-',
      '-C',
      '/mnt/t',
    ]);
    expect(tarExtractArgv({ dir: '/mnt/t', pipe: true })).toEqual([
      'tar',
      ...TAR_METADATA_FLAGS,
      '--blocking-factor=2048',
      '--read-full-records',
      '-xpf',
      '-',
      '-C',
      '/mnt/t',
    ]);
  });

  it('never turns off the protections an untrusted stream needs', () => {
    for (const argv of [tarExtractArgv({ dir: '/t' }), tarExtractArgv({ dir: '/t', pipe: true })]) {
      for (const flag of UNSAFE) expect(argv).not.toContain(flag);
    }
  });

  it('keeps a target path with blanks as one argument', () => {
    expect(tarExtractArgv({ dir: '/mnt/my tree' }).at(-1)).toBe('/mnt/my tree');
  });
});
