/**
 * Executor: write a partition plan to a disk. Old signatures (partition tables, LVM, filesystems, swap)
 * are wiped first; sfdisk gets `--no-reread --no-tell-kernel` (BLKRRPART fails on DRBD/LVM and loops)
 * and the mapper makes the kernel see the partitions afterwards.
 */
import type { Runner } from '../process/types.js';
import type { Logger } from '../runtime/logger.js';
import type { PartitionPlan } from './layout.js';
import { parseSfdiskJson, renderSfdiskScript, type PartitionTable } from './sfdisk.js';

export async function wipeSignatures(runner: Runner, device: string): Promise<void> {
  await runner.run('wipefs', ['-a', '-q', device], {
    code: 'E_DISK_WIPE',
    hint: `check that ${device} is not in use`,
  });
}

export async function writePartitionTable(
  runner: Runner,
  log: Logger,
  device: string,
  plan: PartitionPlan,
): Promise<void> {
  await wipeSignatures(runner, device);
  if (plan.style === 'none') return;
  const script = renderSfdiskScript(plan);
  log.debug(`sfdisk script:\n${script.trimEnd()}`);
  await runner.run(
    'sfdisk',
    ['--no-reread', '--no-tell-kernel', '--wipe', 'always', '--wipe-partitions', 'always', '-q', device],
    {
      input: script,
      code: 'E_DISK_PARTITION',
      hint: `sfdisk could not write the ${plan.style} table to ${device}`,
    },
  );
}

/** The partition table on a device, or undefined when it has none. */
export async function readPartitionTable(
  runner: Runner,
  device: string,
): Promise<PartitionTable | undefined> {
  const r = await runner.run('sfdisk', ['-J', device], { reject: false });
  if (r.exitCode !== 0 || !r.stdout.trim()) return undefined;
  return parseSfdiskJson(r.stdout);
}
