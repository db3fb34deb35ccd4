/**
 * loop-offset: one loop device per partition (`losetup -o OFFSET --sizelimit SIZE DISK`). Works on any
 * host and any disk; grub-install cannot see the parent disk through it (BIOS installs then use the
 * whole-disk device).
 */
import { attachLoop, type AttachedLoop } from '../loop.js';
import type { DiskContext } from '../context.js';
import { waitForNodes } from '../wait.js';
import type { MapTable, PartitionMapper } from './mapper.js';

export class LoopOffsetMapper implements PartitionMapper {
  readonly name = 'loop-offset' as const;
  private loops: AttachedLoop[] = [];

  constructor(
    private readonly ctx: DiskContext,
    private readonly readOnly = false,
  ) {}

  async map(device: string, table: MapTable): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    for (const p of table.partitions) {
      const loop = await attachLoop(this.ctx, device, {
        offsetBytes: p.start * table.sectorSize,
        sizeBytes: p.size * table.sectorSize,
        readOnly: this.readOnly,
      });
      this.loops.push(loop);
      out.set(p.number, loop.device);
    }
    await waitForNodes(this.ctx.runner, [...out.values()]);
    return out;
  }

  async unmap(): Promise<void> {
    for (const l of this.loops.reverse()) await l.handle.release();
    this.loops = [];
  }
}
