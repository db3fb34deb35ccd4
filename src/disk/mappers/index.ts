/**
 * Choosing a partition mapper: device-mapper usable -> kpartx; a loop device -> partx; a real
 * partitionable disk -> the kernel's partitions; anything else -> loop-offset. Config can force one.
 */
import { openSync, closeSync } from 'node:fs';
import { OsError } from '../../runtime/errors.js';
import type { DiskContext } from '../context.js';
import { isLoopName, kernelName, supportsKernelPartitions } from '../sysblock.js';
import { KpartxMapper } from './kpartx.js';
import { LoopOffsetMapper } from './loop-offset.js';
import { MAPPER_NAMES, type MapperChoice, type MapperName, type PartitionMapper } from './mapper.js';
import { KernelMapper, PartxMapper } from './partx.js';

export * from './mapper.js';
export {
  KpartxMapper,
  parseKpartxList,
  matchKpartxMaps,
  kpartxDelete,
  KPARTX_FLAGS,
  type KpartxLine,
} from './kpartx.js';
export { PartxMapper, KernelMapper, partxDelete, kernelNodes } from './partx.js';
export { LoopOffsetMapper } from './loop-offset.js';

/** device-mapper is usable when /dev/mapper/control opens and `dmsetup version` succeeds. */
export async function deviceMapperAvailable(ctx: Pick<DiskContext, 'runner'>): Promise<boolean> {
  try {
    closeSync(openSync('/dev/mapper/control', 'r'));
  } catch {
    return false;
  }
  const r = await ctx.runner.run('dmsetup', ['version'], { reject: false });
  return r.exitCode === 0;
}

export async function chooseMapperName(
  ctx: Pick<DiskContext, 'runner'>,
  device: string,
  choice: MapperChoice = 'auto',
): Promise<MapperName> {
  if (choice !== 'auto') {
    if (!(MAPPER_NAMES as readonly string[]).includes(choice)) {
      throw new OsError('E_DISK_MAPPER', `unknown partition mapper "${choice}"`, {
        hint: `use auto or one of ${MAPPER_NAMES.join(', ')}`,
      });
    }
    return choice;
  }
  if (await deviceMapperAvailable(ctx)) return 'kpartx';
  const name = kernelName(device);
  if (isLoopName(name)) return 'partx';
  if (supportsKernelPartitions(name)) return 'kernel';
  return 'loop-offset';
}

export function createMapper(name: MapperName, ctx: DiskContext, readOnly = false): PartitionMapper {
  switch (name) {
    case 'kpartx':
      return new KpartxMapper(ctx);
    case 'partx':
      return new PartxMapper(ctx);
    case 'kernel':
      return new KernelMapper(ctx);
    case 'loop-offset':
      return new LoopOffsetMapper(ctx, readOnly);
  }
}
