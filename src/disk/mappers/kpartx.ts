/**
 * kpartx: device-mapper maps named `<disk>-part<N>` (`-p-part`, as instance-debootstrap), created
 * synchronously (`-s`). Names come from parsing `kpartx -l` output and are matched to partitions by
 * their start sector, never grepped by name.
 */
import { OsError } from '../../runtime/errors.js';
import type { CleanupHandle } from '../../runtime/cleanup.js';
import type { DiskContext } from '../context.js';
import { waitForNodes } from '../wait.js';
import { nodesFor, registerMap, type MapTable, type PartitionMapper } from './mapper.js';

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
  return nodesFor(
    table,
    (_, start, size) => {
      const hit = lines.find((l) => l.offset === start && l.size === size);
      return hit && `/dev/mapper/${hit.name}`;
    },
    (p) =>
      new OsError('E_DISK_MAP', `kpartx shows no map for partition ${p.number} (start ${p.start})`, {
        hint: 'check the partition table with sfdisk -l',
      }),
  );
}

export class KpartxMapper implements PartitionMapper {
  readonly name = 'kpartx' as const;
  private handle: CleanupHandle | undefined;

  constructor(private readonly ctx: DiskContext) {}

  async map(device: string, table: MapTable): Promise<Map<number, string>> {
    const { runner } = this.ctx;
    this.handle = registerMap(this.ctx, 'kpartx', device, kpartxDelete);
    await runner.run('kpartx', ['-a', ...KPARTX_FLAGS, device], {
      code: 'E_DISK_MAP',
      hint: 'kpartx needs device-mapper (dm_mod)',
    });
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
