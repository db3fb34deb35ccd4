/**
 * growPartitionTable: after an image smaller than the disk was written, move a GPT backup header to
 * the end of the disk and grow the last partition to fill the disk when it holds a Linux
 * filesystem. Filesystems are not touched (growFilesystem does that). sfdisk never wipes anything
 * here and never asks the kernel to re-read; partitions the kernel already shows for the disk are
 * updated with `partx -u`. sfdisk runs with fsync made a no-op (eatmydata, when installed): its
 * fsync would flush the whole freshly written image, which the kernel writes back on its own (the
 * caller flushes once at the end when it wants the result durable).
 */
import { statSync } from 'node:fs';
import { withoutSync } from '../disk/nosync.js';
import { parseSfdiskJson, type PartitionTable } from '../disk/sfdisk.js';
import { kernelName, sysPartitions } from '../disk/sysblock.js';
import type { Runner } from '../process/types.js';
import { isOsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { deviceSize } from '../stream/raw.js';
import { planGrow } from './grow-plan.js';
import type { GrowResult } from './types.js';

const SFDISK_QUIET = ['--no-reread', '--no-tell-kernel'] as const;

interface ReadTable {
  table: PartitionTable;
  lastUsable?: number;
}

async function readTable(runner: Runner, device: string, log: Logger): Promise<ReadTable | undefined> {
  const r = await runner.run('sfdisk', ['-J', device], { reject: false });
  if (r.exitCode !== 0 || !r.stdout.trim()) return undefined;
  try {
    const table = parseSfdiskJson(r.stdout);
    const lastlba = (JSON.parse(r.stdout) as { partitiontable?: { lastlba?: unknown } }).partitiontable
      ?.lastlba;
    return { table, ...(typeof lastlba === 'number' ? { lastUsable: lastlba } : {}) };
  } catch (e) {
    if (!isOsError(e)) throw e;
    log.info(`not growing ${device}: ${e.message}`);
    return undefined;
  }
}

function isBlockDevice(path: string): boolean {
  try {
    return statSync(path).isBlockDevice();
  } catch {
    return false;
  }
}

export async function growPartitionTable(device: string, runner: Runner, log: Logger): Promise<GrowResult> {
  let read = await readTable(runner, device, log);
  if (!read) {
    log.debug(`${device} has no partition table we can grow`);
    return { grown: false };
  }
  if (read.table.label === 'gpt') {
    // sfdisk's writes without its closing fsync (here and below).
    await runner.run(
      'sfdisk',
      ['--relocate', 'gpt-bak-std', ...SFDISK_QUIET, device],
      withoutSync({
        code: 'E_IMAGE_GROW',
        hint: `could not move the GPT backup header of ${device} to the end of the disk`,
      }),
    );
    read = await readTable(runner, device, log);
    if (!read) return { grown: false };
  }
  const { table } = read;
  const diskSectors = Math.floor(Number(deviceSize(device)) / table.sectorSize);
  const plan = planGrow({
    table,
    diskSectors,
    ...(read.lastUsable !== undefined ? { lastUsable: read.lastUsable } : {}),
  });
  if (plan.action === 'skip') {
    log.info(`not growing a partition of ${device}: ${plan.reason}`);
    return { grown: false, ...(plan.partition !== undefined ? { partition: plan.partition } : {}) };
  }
  // "start,size": the fields left out (type, name, attributes, uuid) keep their values.
  await runner.run(
    'sfdisk',
    [
      '-N',
      String(plan.partition),
      ...SFDISK_QUIET,
      '--wipe',
      'never',
      '--wipe-partitions',
      'never',
      '-q',
      device,
    ],
    withoutSync({
      input: `${plan.start},${plan.newSize}\n`,
      code: 'E_IMAGE_GROW',
      hint: `could not grow partition ${plan.partition} of ${device}; check it with sfdisk --verify`,
    }),
  );
  if (isBlockDevice(device) && sysPartitions(kernelName(device)).length > 0)
    await runner.run('partx', ['-u', device], {
      code: 'E_IMAGE_GROW',
      hint: `the kernel did not take the new size of partition ${plan.partition} of ${device}`,
    });
  const mib = (s: number): string => `${Math.round((s * table.sectorSize) / 2 ** 20)} MiB`;
  log.info(`grew partition ${plan.partition} of ${device} from ${mib(plan.size)} to ${mib(plan.newSize)}`);
  return { grown: true, partition: plan.partition };
}
