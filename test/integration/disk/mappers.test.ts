/**
 * The partition mappers that can run here, for real: partx and loop-offset, on both layouts, plus
 * kpartx up to `kpartx -l` (this host has no device-mapper; its -a/-d path is unit-tested against a
 * fake device-mapper).
 */
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { diskContext } from '../../../src/disk/context.js';
import { planLayout } from '../../../src/disk/layout.js';
import { attachLoop } from '../../../src/disk/loop.js';
import {
  chooseMapperName,
  createMapper,
  deviceMapperAvailable,
  matchKpartxMaps,
  parseKpartxList,
  KPARTX_FLAGS,
} from '../../../src/disk/mappers/index.js';
import { writePartitionTable } from '../../../src/disk/partition.js';
import { ExecRunner } from '../../../src/process/runner.js';
import { CleanupStack } from '../../../src/runtime/cleanup.js';
import { Logger, MemorySink } from '../../../src/runtime/logger.js';
import { finishDisk, isRoot, makeDiskFile, type DiskFile } from '../../helpers/disk.js';

const SIZE = 512 * 1024 ** 2;
let disk: DiskFile | undefined;
let stack: CleanupStack | undefined;

afterEach(async () => {
  const [s, d] = [stack, disk];
  stack = undefined;
  disk = undefined;
  await finishDisk(s, d);
});

async function setup(style: 'msdos' | 'gpt') {
  disk = makeDiskFile(SIZE);
  const log = new Logger('debug', new MemorySink());
  const runner = new ExecRunner(log);
  stack = new CleanupStack(log);
  const ctx = diskContext({ runner, stack, log });
  const plan = planLayout(SIZE, { style, filesystem: 'ext4', swapMiB: 16, bootMiB: 64 });
  const { device } = await attachLoop(ctx, disk.path);
  await writePartitionTable(runner, log, device, plan);
  return { ctx, plan, device, runner };
}

function sizeOf(dev: string): number {
  return Number(execFileSync('blockdev', ['--getsize64', dev], { encoding: 'utf8' }).trim());
}

describe.skipIf(!isRoot)('partition mappers', () => {
  it('auto picks partx for a loop device on this host (no device-mapper)', async () => {
    const { ctx, device } = await setup('gpt');
    expect(await deviceMapperAvailable(ctx)).toBe(false);
    expect(await chooseMapperName(ctx, device)).toBe('partx');
    await expect(chooseMapperName(ctx, device, 'magic' as 'partx')).rejects.toThrow(
      /unknown partition mapper "magic"/,
    );
  });

  for (const name of ['partx', 'loop-offset'] as const) {
    for (const style of ['msdos', 'gpt'] as const) {
      it(`${name} maps every ${style} partition with its exact size, and unmaps`, async () => {
        const { ctx, plan, device } = await setup(style);
        const mapper = createMapper(name, ctx);
        const nodes = await mapper.map(device, plan);
        expect([...nodes.keys()]).toEqual(plan.partitions.map((p) => p.number));
        for (const p of plan.partitions) {
          const node = nodes.get(p.number)!;
          if (name === 'partx') expect(node).toBe(`${device}p${p.number}`);
          expect(sizeOf(node)).toBe(p.size * 512);
        }
        // Writing through the mapped root lands at the partition's offset in the file.
        const root = plan.partitions.at(-1)!;
        execFileSync('mkfs.ext4', ['-F', '-q', nodes.get(root.number)!]);
        const probe = execFileSync(
          'blkid',
          ['-p', '-O', String(root.start * 512), '-o', 'value', '-s', 'TYPE', disk!.path],
          { encoding: 'utf8' },
        );
        expect(probe.trim()).toBe('ext4');
        await mapper.unmap();
        if (name === 'partx')
          for (const n of nodes.values())
            expect(() => execFileSync('blockdev', ['--getsize64', n], { stdio: 'ignore' })).toThrow();
        else
          expect(execFileSync('losetup', ['-l', '-n', '-j', device], { encoding: 'utf8' }).trim()).toBe('');
      });
    }
  }

  it('kpartx -l lists the maps kpartx -a would make (-a itself needs device-mapper)', async () => {
    const { plan, device, runner } = await setup('gpt');
    const out = await runner.run('kpartx', ['-l', ...KPARTX_FLAGS, device]);
    const lines = parseKpartxList(out.stdout);
    const base = device.replace('/dev/', '');
    expect(lines.map((l) => l.name)).toEqual(plan.partitions.map((p) => `${base}-part${p.number}`));
    const nodes = matchKpartxMaps(lines, plan);
    expect(nodes.get(plan.partitions.length)).toBe(`/dev/mapper/${base}-part${plan.partitions.length}`);
  });
});
