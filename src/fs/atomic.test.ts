import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from './atomic.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atomic-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ['writeFileAtomic', writeFileAtomic],
  [
    'writeFileAtomicSync',
    (p: string, d: string, o?: { mode?: number }) =>
      new Promise<void>((resolve) => {
        writeFileAtomicSync(p, d, o);
        resolve();
      }),
  ],
] as const)('%s', (_, write) => {
  it('replaces the file with the given mode whatever the umask, leaving no temporary file', async () => {
    const file = join(dir, 'f');
    writeFileSync(file, 'old');
    const umask = process.umask(0o077);
    try {
      await write(file, 'new\n', { mode: 0o644 });
    } finally {
      process.umask(umask);
    }
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir)).toEqual(['f']);
  });

  it('replaces a symlink instead of writing through it', async () => {
    const other = join(dir, 'other');
    writeFileSync(other, 'keep');
    symlinkSync(other, join(dir, 'link'));
    await write(join(dir, 'link'), 'x');
    expect(readFileSync(other, 'utf8')).toBe('keep');
    expect(readFileSync(join(dir, 'link'), 'utf8')).toBe('x');
  });

  it('fails without leaving anything when the directory is missing', async () => {
    await expect(write(join(dir, 'nope', 'f'), 'x')).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
