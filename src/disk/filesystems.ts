/**
 * Filesystems: mkfs command lines (pure), running them after wiping the partition's old signatures,
 * and reading UUIDs back with `blkid -c /dev/null -o export` (no stale cache).
 */
import type { Runner } from '../process/types.js';
import { OsError } from '../runtime/errors.js';
import type { PartitionContent } from './layout.js';
import { wipeSignatures } from './partition.js';

export type MkfsContent = Exclude<PartitionContent, 'none'>;

/** The mkfs argv for a content type (pure). */
export function mkfsCommand(
  content: MkfsContent,
  device: string,
  extra: readonly string[] = [],
): [string, string[]] {
  switch (content) {
    case 'ext2':
    case 'ext3':
    case 'ext4':
      return [`mkfs.${content}`, ['-F', '-q', ...extra, device]];
    case 'xfs':
      return ['mkfs.xfs', ['-f', '-q', ...extra, device]];
    case 'btrfs':
      return ['mkfs.btrfs', ['-f', '-q', ...extra, device]];
    case 'swap':
      return ['mkswap', ['-f', ...extra, device]];
    case 'vfat':
      return ['mkfs.vfat', ['-n', 'EFI', ...extra, device]];
  }
}

export async function makeFilesystem(
  runner: Runner,
  content: MkfsContent,
  device: string,
  extra: readonly string[] = [],
): Promise<void> {
  await wipeSignatures(runner, device);
  const [cmd, args] = mkfsCommand(content, device, extra);
  await runner.run(cmd, args, { code: 'E_DISK_MKFS', hint: `could not create ${content} on ${device}` });
}

/** Parse `blkid -o export` output (KEY=value lines, backslash escapes). */
export function parseBlkidExport(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i <= 0) continue;
    out[line.slice(0, i)] = line.slice(i + 1).replace(/\\(.)/g, '$1');
  }
  return out;
}

export interface BlkidInfo {
  type?: string;
  uuid?: string;
  partuuid?: string;
  label?: string;
}

/** Probe a device; empty when it holds no recognisable signature. */
export async function probe(runner: Runner, device: string): Promise<BlkidInfo> {
  const r = await runner.run('blkid', ['-c', '/dev/null', '-o', 'export', device], { reject: false });
  if (r.exitCode !== 0) return {};
  const kv = parseBlkidExport(r.stdout);
  const info: BlkidInfo = {};
  if (kv.TYPE) info.type = kv.TYPE;
  if (kv.UUID) info.uuid = kv.UUID;
  if (kv.PARTUUID) info.partuuid = kv.PARTUUID;
  if (kv.LABEL) info.label = kv.LABEL;
  return info;
}

export async function requireUuid(runner: Runner, device: string): Promise<string> {
  const info = await probe(runner, device);
  if (!info.uuid)
    throw new OsError('E_DISK_BLKID', `blkid found no UUID on ${device}`, {
      hint: 'mkfs did not leave a filesystem there',
    });
  return info.uuid;
}
