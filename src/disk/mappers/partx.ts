/**
 * partx and the kernel's own partitions. `partx` adds partitions to a loop device with BLKPG
 * (/dev/loopNpM) and removes them with `partx -d`. `kernel` is for a real partitionable disk
 * (/dev/sdb1, /dev/nvme0n1p1): `partx -u` makes the kernel re-read the table, and the partitions stay
 * with the disk afterwards. Node names are read from /sys/class/block, not guessed.
 */
import { OsError } from '../../runtime/errors.js';
import type { CleanupHandle } from '../../runtime/cleanup.js';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DiskContext } from '../context.js';
import { withoutSync } from '../nosync.js';
import { kernelName, sysPartitions } from '../sysblock.js';
import { waitForNodes } from '../wait.js';
import { nodesFor, registerMap, type MapTable, type PartitionMapper } from './mapper.js';

/** Partition nodes the kernel shows for `device`, checked against the table. */
export function kernelNodes(device: string, table: MapTable): Map<number, string> {
  const parts = sysPartitions(kernelName(device));
  return nodesFor(
    table,
    (p, start, size) => {
      const k = parts.find((x) => x.number === p.number);
      return k && k.start === start && k.size === size ? `/dev/${k.name}` : undefined;
    },
    (p) =>
      new OsError('E_DISK_MAP', `the kernel shows no matching partition ${p.number} on ${device}`, {
        hint: 'the table was not re-read; try partitionMapper: loop-offset',
      }),
  );
}

export class PartxMapper implements PartitionMapper {
  readonly name = 'partx' as const;
  private handle: CleanupHandle | undefined;

  constructor(private readonly ctx: DiskContext) {}

  async map(device: string, table: MapTable): Promise<Map<number, string>> {
    const { runner } = this.ctx;
    // Stale partitions from an earlier table (a loop attached without partition scanning has none).
    if (sysPartitions(kernelName(device)).length > 0)
      await runner.run('partx', ['-d', device], withoutSync({ reject: false }));
    this.handle = registerMap(this.ctx, 'partx', device, partxDelete);
    // partx runs without its fsync of the device: on a loop device that is an fsync of the whole
    // backing file, i.e. of a disk image just written (whose durability is the caller's choice).
    await runner.run(
      'partx',
      ['-a', device],
      withoutSync({ code: 'E_DISK_MAP', hint: `partx could not add the partitions of ${device}` }),
    );
    await runner.run('udevadm', ['settle', '--timeout=10'], { reject: false });
    const nodes = kernelNodes(device, table);
    await waitForNodes(runner, [...nodes.values()], undefined, false); // just settled
    return nodes;
  }

  async unmap(): Promise<void> {
    await this.handle?.release();
  }
}

export async function partxDelete(ctx: Pick<DiskContext, 'cleanupRunner'>, device: string): Promise<void> {
  // A partition can stay busy for a moment (udev probing after mkfs, a killed mkfs exiting): retry.
  let last = '';
  for (let i = 0; i < 10; i++) {
    await ctx.cleanupRunner.run('udevadm', ['settle', '--timeout=10'], { reject: false });
    const r = await ctx.cleanupRunner.run('partx', ['-d', device], withoutSync({ reject: false }));
    if (r.exitCode === 0 || !existsSync(device) || sysPartitions(kernelName(device)).length === 0) return;
    last = r.stderr.trim().split('\n').pop() ?? '';
    await sleep(300);
  }
  throw new OsError('E_DISK_MAP', `partx -d ${device} failed: ${last}`, {
    hint: `something still uses a partition of ${device} (lsblk, fuser)`,
  });
}

export class KernelMapper implements PartitionMapper {
  readonly name = 'kernel' as const;
  constructor(private readonly ctx: DiskContext) {}

  async map(device: string, table: MapTable): Promise<Map<number, string>> {
    const { runner } = this.ctx;
    const r = await runner.run('partx', ['-u', device], { reject: false });
    if (r.exitCode !== 0)
      await runner.run('blockdev', ['--rereadpt', device], {
        code: 'E_DISK_MAP',
        hint: `is ${device} in use?`,
      });
    await runner.run('udevadm', ['settle', '--timeout=10'], { reject: false });
    const nodes = kernelNodes(device, table);
    await waitForNodes(runner, [...nodes.values()], undefined, false); // just settled
    return nodes;
  }

  async unmap(): Promise<void> {
    // The partitions belong to the disk; nothing to undo.
  }
}
