/**
 * prepareDisk on loop-backed sparse files: every style x ext4/xfs/btrfs, with and without swap and
 * /boot. sfdisk -J and blkid confirm the result; the file keeps its exact size; nothing is left behind.
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareDisk, type LayoutConfig } from '../../../src/disk/index.js';
import { parseBlkidExport } from '../../../src/disk/filesystems.js';
import { readMounts } from '../../../src/disk/mountinfo.js';
import { parseSfdiskJson } from '../../../src/disk/sfdisk.js';
import { ExecRunner } from '../../../src/process/runner.js';
import { CleanupStack } from '../../../src/runtime/cleanup.js';
import { Logger, MemorySink } from '../../../src/runtime/logger.js';
import { assertNoLeftovers, finishDisk, isRoot, makeDiskFile, type DiskFile } from '../../helpers/disk.js';

const SIZE = 1024 ** 3 + 512 * 7; // not a MiB multiple on purpose
let disk: DiskFile | undefined;
let stack: CleanupStack | undefined;

afterEach(async () => {
  const [s, d] = [stack, disk];
  stack = undefined;
  disk = undefined;
  await finishDisk(s, d);
});

function blkid(dev: string): Record<string, string> {
  return parseBlkidExport(
    execFileSync('blkid', ['-c', '/dev/null', '-o', 'export', dev], { encoding: 'utf8' }),
  );
}

const cases: LayoutConfig[] = [];
for (const filesystem of ['ext4', 'xfs', 'btrfs'] as const) {
  cases.push({ style: 'none', filesystem });
  for (const style of ['msdos', 'gpt'] as const) {
    cases.push({ style, filesystem });
    cases.push({ style, filesystem, swapMiB: 64, bootMiB: 128, bootFilesystem: 'ext2' });
  }
}

describe.skipIf(!isRoot)('prepareDisk on a file disk', () => {
  for (const layout of cases) {
    it(`${layout.style} ${layout.filesystem}${layout.swapMiB ? ' +swap +/boot' : ''}`, async () => {
      disk = makeDiskFile(SIZE);
      const log = new Logger('debug', new MemorySink());
      const runner = new ExecRunner(log);
      stack = new CleanupStack(log);
      const r = await prepareDisk({ path: disk.path, backendType: 'file:loop', layout, runner, stack, log });

      // The partition table on disk is the plan.
      if (layout.style === 'none') {
        expect(r.partitions).toHaveLength(1);
        expect(r.partitions[0]!.device).toBe(r.device);
      } else {
        const table = parseSfdiskJson(execFileSync('sfdisk', ['-J', r.device], { encoding: 'utf8' }));
        expect(table.label).toBe(layout.style === 'msdos' ? 'dos' : 'gpt');
        expect(table.partitions.map((p) => [p.number, p.start, p.size, p.type])).toEqual(
          r.plan.partitions.map((p) => [p.number, p.start, p.size, p.type.toUpperCase()]),
        );
        expect(r.mapper).toBe('partx');
      }
      // Each partition holds what the plan says, with the UUID reported.
      for (const p of r.partitions) {
        if (p.fstype === 'none') continue;
        const info = blkid(p.device);
        expect(info.TYPE).toBe(p.fstype);
        expect(info.UUID).toBe(p.uuid);
      }
      // Root (and /boot) are mounted nosuid,nodev; the ESP is not mounted.
      const mounts = readMounts();
      const root = mounts.find((m) => m.mountPoint === r.target)!;
      expect(root.options).toMatch(/nosuid/);
      expect(root.options).toMatch(/nodev/);
      expect(mounts.some((m) => m.mountPoint === `${r.target}/boot`)).toBe(Boolean(layout.bootMiB));
      expect(r.fstab.map((e) => e.mountpoint)).toEqual([
        '/',
        ...(layout.bootMiB ? ['/boot'] : []),
        ...(layout.style === 'gpt' ? ['/boot/efi'] : []),
        ...(layout.swapMiB ? ['none'] : []),
      ]);
      expect(r.target.startsWith(r.runtimeDir)).toBe(true);

      expect(await stack.unwind()).toEqual([]);
      expect(statSync(disk.path).size).toBe(SIZE);
      assertNoLeftovers(disk);
    });
  }

  it('wipes stale signatures (an old filesystem, an old table) before partitioning', async () => {
    disk = makeDiskFile(SIZE);
    execFileSync('mkfs.ext4', ['-F', '-q', disk.path]);
    const log = new Logger('debug', new MemorySink());
    const runner = new ExecRunner(log);
    stack = new CleanupStack(log);
    await prepareDisk({ path: disk.path, layout: { style: 'gpt', filesystem: 'ext4' }, runner, stack, log });
    await stack.unwind();
    stack = new CleanupStack(log);
    const r = await prepareDisk({
      path: disk.path,
      layout: { style: 'msdos', filesystem: 'xfs', swapMiB: 32 },
      runner,
      stack,
      log,
    });
    const out = execFileSync('wipefs', ['--no-act', '-J', r.device], { encoding: 'utf8' });
    const sigs = (
      JSON.parse(out || '{"signatures":[]}') as { signatures: { type: string }[] }
    ).signatures.map((s) => s.type);
    expect(sigs).toEqual(['dos']);
    expect(blkid(r.partitions[0]!.device).TYPE).toBe('swap');
  });
});
