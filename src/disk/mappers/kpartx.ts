/**
 * kpartx: device-mapper maps named `<disk>-part<N>` (`-p-part`, as instance-debootstrap), created
 * synchronously (`-s`). Names come from parsing `kpartx -l` output and are matched to partitions by
 * their start sector, never grepped by name.
 */
import { OsError } from '../../runtime/errors.js';
import type { CleanupHandle } from '../../runtime/cleanup.js';
import type { DiskContext } from '../context.js';
import { waitForNodes } from '../wait.js';
import type { MapTable, PartitionMapper } from './mapper.js';

export const KPARTX_FLAGS = ['-s', '-p', '-part'] as const;

export interface KpartxLine {
  name: string;
  /** In 512-byte sectors. */
  start: number;
  size: number;
  parent: string;
  offset: number;
}

/** Parse `kpartx -l` lines: `loop0-part1 : 0 2048 /dev/loop0 2048`. Other lines are ignored. */
export function parseKpartxList(text: string): KpartxLine[] {
  const out: KpartxLine[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+) : (\d+) (\d+) (\S+) (\d+)\s*$/.exec(line.trim());
    if (!m) continue;
    out.push({ name: m[1]!, start: Number(m[2]), size: Number(m[3]), parent: m[4]!, offset: Number(m[5]) });
  }
  return out;
}

/** Match kpartx maps to partitions by offset (512-byte units). Pure. */
export function matchKpartxMaps(lines: readonly KpartxLine[], table: MapTable): Map<number, string> {
  const factor = table.sectorSize / 512;
  const out = new Map<number, string>();
  for (const p of table.partitions) {
    const hit = lines.find((l) => l.offset === p.start * factor && l.size === p.size * factor);
    if (!hit) {
      throw new OsError('E_DISK_MAP', `kpartx shows no map for partition ${p.number} (start ${p.start})`, {
        hint: 'check the partition table with sfdisk -l',
      });
    }
    out.set(p.number, `/dev/mapper/${hit.name}`);
  }
  return out;
}

export class KpartxMapper implements PartitionMapper {
  readonly name = 'kpartx' as const;
  private handle: CleanupHandle | undefined;

  constructor(private readonly ctx: DiskContext) {}

  async map(device: string, table: MapTable): Promise<Map<number, string>> {
    const { runner, stack, journal } = this.ctx;
    const entry = { kind: 'map' as const, mapper: 'kpartx' as const, device };
    journal?.add(entry);
    this.handle = stack.push(`kpartx -d ${device}`, async () => {
      await this.ctx.settle?.();
      await kpartxDelete(this.ctx, device);
      journal?.remove(entry);
    });
    await runner.run('kpartx', ['-a', ...KPARTX_FLAGS, device], { code: 'E_DISK_MAP', hint: 'kpartx needs device-mapper (dm_mod)' });
    const listed = await runner.run('kpartx', ['-l', ...KPARTX_FLAGS, device], { code: 'E_DISK_MAP' });
    const nodes = matchKpartxMaps(parseKpartxList(listed.stdout), table);
    await waitForNodes(runner, [...nodes.values()]);
    return nodes;
  }

  async unmap(): Promise<void> {
    await this.handle?.release();
  }
}

export async function kpartxDelete(ctx: Pick<DiskContext, 'cleanupRunner'>, device: string): Promise<void> {
  await ctx.cleanupRunner.run('udevadm', ['settle', '--timeout=10'], { reject: false });
  await ctx.cleanupRunner.run('kpartx', ['-d', ...KPARTX_FLAGS, device], { code: 'E_DISK_MAP' });
}
