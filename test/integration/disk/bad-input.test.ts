/**
 * Bad input is refused with one clear line and the disk's bytes untouched: too small, in use
 * (mounted elsewhere, already attached to a loop), unknown style, alignment that does not fit,
 * unknown filesystem.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareDisk, type LayoutConfig } from '../../../src/disk/index.js';
import { ExecRunner } from '../../../src/process/runner.js';
import { CleanupStack } from '../../../src/runtime/cleanup.js';
import { isOsError } from '../../../src/runtime/errors.js';
import { Logger, MemorySink } from '../../../src/runtime/logger.js';
import { finishDisk, hashHead, isRoot, makeDiskFile, type DiskFile } from '../../helpers/disk.js';

const MiB = 1024 ** 2;
let disk: DiskFile | undefined;
const undo: (() => void)[] = [];

afterEach(async () => {
  while (undo.length) undo.pop()!();
  const d = disk;
  disk = undefined;
  await finishDisk(undefined, d);
});

async function refusal(
  path: string,
  layout: LayoutConfig,
  backendType = 'file:loop',
): Promise<{ code: string; line: string }> {
  const log = new Logger('debug', new MemorySink());
  const stack = new CleanupStack(log);
  try {
    await prepareDisk({ path, backendType, layout, runner: new ExecRunner(log), stack, log });
  } catch (e) {
    if (!isOsError(e)) throw e;
    return { code: e.code, line: e.oneLine() };
  } finally {
    expect(await stack.unwind()).toEqual([]);
  }
  throw new Error('prepareDisk accepted bad input');
}

describe.skipIf(!isRoot)('prepareDisk refuses bad input without touching the disk', () => {
  const table: [string, number, LayoutConfig, string, RegExp][] = [
    [
      'disk too small',
      200 * MiB,
      { style: 'gpt', filesystem: 'ext4', swapMiB: 64 },
      'E_DISK_TOO_SMALL',
      /disk of 200 MiB leaves \d+ MiB for the ext4 root/,
    ],
    [
      'unknown style',
      512 * MiB,
      { style: 'sun' as 'gpt', filesystem: 'ext4' },
      'E_LAYOUT_STYLE',
      /unknown partition style "sun"/,
    ],
    [
      'alignment not a multiple of 8',
      512 * MiB,
      { style: 'msdos', filesystem: 'ext4', alignment: 1001 },
      'E_LAYOUT_ALIGNMENT',
      /alignment 1001/,
    ],
    [
      'alignment that does not fit',
      512 * MiB,
      { style: 'gpt', filesystem: 'ext4', alignment: 524288 },
      'E_LAYOUT_ALIGNMENT',
      /does not fit/,
    ],
    [
      'unknown filesystem',
      512 * MiB,
      { style: 'msdos', filesystem: 'reiserfs' as 'ext4' },
      'E_LAYOUT_FILESYSTEM',
      /unknown filesystem "reiserfs"/,
    ],
  ];
  for (const [name, size, layout, code, message] of table) {
    it(name, async () => {
      disk = makeDiskFile(size);
      execFileSync('mkfs.ext4', ['-F', '-q', disk.path]); // something to keep intact
      const before = hashHead(disk.path);
      const r = await refusal(disk.path, layout);
      expect(r.code).toBe(code);
      expect(r.line).toMatch(message);
      expect(r.line).not.toContain('\n');
      expect(hashHead(disk.path)).toBe(before);
    });
  }

  it('a file disk already attached to a loop device', async () => {
    disk = makeDiskFile(512 * MiB);
    const loop = execFileSync('losetup', ['--find', '--show', disk.path], { encoding: 'utf8' }).trim();
    undo.push(() => execFileSync('losetup', ['-d', loop]));
    const before = hashHead(disk.path);
    const r = await refusal(disk.path, { style: 'msdos', filesystem: 'ext4' });
    expect(r.code).toBe('E_DISK_IN_USE');
    expect(r.line).toContain(`is in use: already attached to ${loop}`);
    expect(hashHead(disk.path)).toBe(before);
  });

  it('a block device whose partition is mounted elsewhere', async () => {
    disk = makeDiskFile(512 * MiB);
    execFileSync('sfdisk', ['-q', disk.path], { input: 'label: dos\nstart=2048, size=100000, type=83\n' });
    const loop = execFileSync('losetup', ['--find', '--show', disk.path], { encoding: 'utf8' }).trim();
    undo.push(() => execFileSync('losetup', ['-d', loop]));
    execFileSync('partx', ['-a', loop]);
    undo.push(() => execFileSync('partx', ['-d', loop]));
    execFileSync('mkfs.ext4', ['-F', '-q', `${loop}p1`]);
    const mnt = mkdtempSync(join(tmpdir(), 'ganeti-os-busy-'));
    undo.push(() => rmdirSync(mnt));
    execFileSync('mount', [`${loop}p1`, mnt]);
    undo.push(() => execFileSync('umount', [mnt]));
    const before = hashHead(loop);
    const r = await refusal(loop, { style: 'gpt', filesystem: 'ext4' }, 'block');
    expect(r.code).toBe('E_DISK_IN_USE');
    expect(r.line).toContain(`${loop} is in use: ${loop}p1 is mounted on ${mnt}`);
    expect(hashHead(loop)).toBe(before);
  });
});
