/**
 * Growing a written disk image to a larger disk, for real: small msdos and gpt images with ext4,
 * xfs or btrfs on the last partition are written onto a larger disk file, attached to a loop
 * device; growPartitionTable then growFilesystem make the last partition and its filesystem fill
 * the disk (the GPT backup header moved to the end), and every check tool is happy. Swap or a
 * logical partition last, and a disk without a table, are left alone. Nothing is left behind.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diskContext } from '../../../src/disk/context.js';
import { attachLoop } from '../../../src/disk/loop.js';
import { mountAndRegister } from '../../../src/disk/mount.js';
import { createMapper } from '../../../src/disk/mappers/index.js';
import { readPartitionTable } from '../../../src/disk/partition.js';
import { detectImage, growFilesystem, growPartitionTable, writeDiskImage } from '../../../src/image/index.js';
import { CleanupStack } from '../../../src/runtime/cleanup.js';
import { Logger, MemorySink } from '../../../src/runtime/logger.js';
import { finishDisk, isRoot, makeDiskFile, type DiskFile } from '../../helpers/disk.js';
import { MiB, RecordingRunner, sh, tempDir } from './fixtures.js';

const IMAGE = 340 * MiB; // xfs wants 300 MiB at least
const DISK = 700 * MiB;
const BIOS_BOOT = '21686148-6449-6E6F-744E-656564454649';
const LINUX = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';

type Fs = 'ext4' | 'xfs' | 'btrfs';

let work: { dir: string; remove(): void };
let sink: MemorySink;
let log: Logger;
let runner: RecordingRunner;
let disk: DiskFile | undefined;
let stack: CleanupStack | undefined;

beforeEach(() => {
  work = tempDir();
  sink = new MemorySink();
  log = new Logger('debug', sink);
  runner = new RecordingRunner(log);
});
afterEach(async () => {
  const [s, d] = [stack, disk];
  stack = undefined;
  disk = undefined;
  try {
    await finishDisk(s, d);
  } finally {
    work.remove();
  }
});

const p = (name: string): string => join(work.dir, name);

const ok = (cmd: string, args: string[]): { status: number | null; out: string } => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
};

/** mkfs on a file of `bytes`, as the partition's content. */
function filesystemFile(path: string, fs: Fs, bytes: number): void {
  writeFileSync(path, '');
  truncateSync(path, bytes);
  if (fs === 'ext4') sh('mkfs.ext4', ['-q', '-F', path]);
  if (fs === 'xfs') sh('mkfs.xfs', ['-q', '-f', path]);
  if (fs === 'btrfs') sh('mkfs.btrfs', ['-q', '-f', path]);
}

/** A partitioned disk image whose last partition holds `fs`, its first one something small. */
function diskImage(path: string, style: 'msdos' | 'gpt', fs: Fs): void {
  writeFileSync(path, '');
  truncateSync(path, IMAGE);
  const script =
    style === 'gpt'
      ? `label: gpt\n2048,2048,${BIOS_BOOT}\n4096,,${LINUX}\n`
      : `label: dos\n2048,2048,83\n4096,,83\n`;
  sh('sfdisk', ['-q', path], { input: script });
  const end = style === 'gpt' ? IMAGE / 512 - 34 : IMAGE / 512 - 1;
  const bytes = (end - 4096 + 1) * 512;
  filesystemFile(p('fs.img'), fs, bytes);
  sh('dd', [`if=${p('fs.img')}`, `of=${path}`, 'bs=1M', 'seek=2', 'conv=notrunc,sparse', 'status=none']);
  rmSync(p('fs.img'));
}

function blkid(dev: string, tag: string): string {
  return sh('blkid', ['-c', '/dev/null', '-p', '-o', 'value', '-s', tag, dev]).trim();
}

/** The filesystem's own idea of its size in bytes. */
function fsBytes(node: string, fs: Fs): number {
  if (fs === 'ext4') {
    const h = sh('dumpe2fs', ['-h', node]);
    return Number(/Block count:\s+(\d+)/.exec(h)![1]) * Number(/Block size:\s+(\d+)/.exec(h)![1]);
  }
  if (fs === 'xfs') {
    const out = sh('xfs_db', ['-r', '-c', 'sb 0', '-c', 'p dblocks blocksize', node]);
    return Number(/dblocks = (\d+)/.exec(out)![1]) * Number(/blocksize = (\d+)/.exec(out)![1]);
  }
  return Number(/^total_bytes\s+(\d+)/m.exec(sh('btrfs', ['inspect-internal', 'dump-super', node]))![1]);
}

function fsckClean(node: string, fs: Fs): boolean {
  if (fs === 'ext4') return ok('e2fsck', ['-f', '-n', node]).status === 0;
  if (fs === 'xfs') return ok('xfs_repair', ['-n', node]).status === 0;
  return ok('btrfs', ['check', '--readonly', node]).status === 0;
}

const CASES: ['msdos' | 'gpt', Fs][] = [
  ['msdos', 'ext4'],
  ['gpt', 'ext4'],
  ['msdos', 'xfs'],
  ['gpt', 'xfs'],
  ['msdos', 'btrfs'],
  ['gpt', 'btrfs'],
];

describe.skipIf(!isRoot)('growPartitionTable + growFilesystem', () => {
  for (const [style, fs] of CASES) {
    it(`grows a ${style} image with ${fs} last to fill a larger disk`, async () => {
      diskImage(p('image.raw'), style, fs);
      disk = makeDiskFile(DISK);
      stack = new CleanupStack(log);
      const image = await detectImage(p('image.raw'), runner, 'raw');
      await writeDiskImage({ image, device: disk.path, runner, log });
      const ctx = diskContext({ runner, stack, log });
      const { device } = await attachLoop(ctx, disk.path);

      expect(await growPartitionTable(device, runner, log)).toEqual({ grown: true, partition: 2 });
      const table = (await readPartitionTable(runner, device))!;
      const root = table.partitions.find((q) => q.number === 2)!;
      const json = JSON.parse(sh('sfdisk', ['-J', device])) as { partitiontable: { lastlba?: number } };
      const lastUsable = style === 'gpt' ? DISK / 512 - 34 : DISK / 512 - 1;
      if (style === 'gpt') expect(json.partitiontable.lastlba).toBe(lastUsable);
      expect(root.start + root.size - 1).toBe(lastUsable);
      expect(ok('sfdisk', ['--verify', device]).status).toBe(0);
      if (style === 'gpt') expect(ok('sgdisk', ['-v', device]).out).toMatch(/No problems found/);

      const nodes = await createMapper('partx', ctx).map(device, {
        sectorSize: table.sectorSize,
        partitions: table.partitions,
      });
      const node = nodes.get(2)!;
      const uuid = blkid(node, 'UUID');
      const before = fsBytes(node, fs);
      await growFilesystem({ node, fstype: fs, runner, log, stack });
      const after = fsBytes(node, fs);
      const part = root.size * 512;
      expect(before).toBeLessThan(IMAGE);
      expect(after).toBeLessThanOrEqual(part);
      expect(after).toBeGreaterThan(part - 8 * MiB);
      expect(blkid(node, 'UUID')).toBe(uuid);
      expect(fsckClean(node, fs)).toBe(true);
      // Only its own temporary mount (xfs, btrfs): gone again, and nothing left on the stack but the loop and map.
      expect(stack.labels().some((l) => l.includes('ganeti-os-grow-'))).toBe(false);
    });
  }

  it('grows a filesystem the caller already mounted', async () => {
    diskImage(p('image.raw'), 'gpt', 'btrfs');
    disk = makeDiskFile(DISK);
    stack = new CleanupStack(log);
    await writeDiskImage({
      image: await detectImage(p('image.raw'), runner),
      device: disk.path,
      runner,
      log,
    });
    const ctx = diskContext({ runner, stack, log });
    const { device } = await attachLoop(ctx, disk.path);
    await growPartitionTable(device, runner, log);
    const table = (await readPartitionTable(runner, device))!;
    const node = (await createMapper('partx', ctx).map(device, table)).get(2)!;
    const dir = p('mnt');
    const mount = await mountAndRegister(ctx, { source: node, dir, fstype: 'btrfs' });
    runner.commands.length = 0;
    await growFilesystem({ node, fstype: 'btrfs', mountedAt: dir, runner, log, stack });
    expect(runner.commands).toEqual([`btrfs filesystem resize max ${dir}`]);
    await mount.release();
    expect(fsBytes(node, 'btrfs')).toBeGreaterThan(table.partitions[1]!.size * 512 - 8 * MiB);
  });
});

describe.skipIf(!isRoot)('what is not grown', () => {
  function grownDisk(script: string): string {
    const path = p('disk.raw');
    writeFileSync(path, '');
    truncateSync(path, 64 * MiB);
    sh('sfdisk', ['-q', path], { input: script });
    truncateSync(path, 128 * MiB);
    return path;
  }

  it('leaves swap last alone, but still moves the GPT backup header', async () => {
    const path = grownDisk(`label: gpt\n2048,32M,${LINUX}\n,,0657FD6D-A4AB-43C4-84E5-0933C84B4F4F\n`);
    expect(await growPartitionTable(path, runner, log)).toEqual({ grown: false, partition: 2 });
    expect(sink.lines.join('\n')).toMatch(/the last partition \(2\) is swap, not a Linux filesystem/);
    expect(ok('sgdisk', ['-v', path]).out).toMatch(/No problems found/);
  });

  it('leaves a logical partition inside an extended one alone', async () => {
    const path = grownDisk('label: dos\n2048,16M,83\n,,5\n,,83\n');
    const before = sh('sfdisk', ['-d', path]);
    expect(await growPartitionTable(path, runner, log)).toEqual({ grown: false, partition: 5 });
    expect(sink.lines.join('\n')).toMatch(/logical partition inside an extended one/);
    expect(sh('sfdisk', ['-d', path])).toBe(before);
  });

  it('does nothing to a disk without a partition table or a filesystem it does not know', async () => {
    const path = p('bare.img');
    writeFileSync(path, '');
    truncateSync(path, 16 * MiB);
    sh('mkfs.ext4', ['-q', '-F', path]);
    expect(await growPartitionTable(path, runner, log)).toEqual({ grown: false });
    runner.commands.length = 0;
    stack = new CleanupStack(log);
    await growFilesystem({ node: path, fstype: 'ntfs', runner, log, stack });
    expect(runner.commands).toEqual([]);
    expect(sink.lines.join('\n')).toMatch(/ntfs filesystems are left as they are/);
  });
});
