/**
 * sfdisk as data: render a partition plan to an sfdisk script, and parse `sfdisk -J` output back into
 * a table. Pure; partition.ts runs sfdisk.
 */
import { OsError } from '../runtime/errors.js';
import type { PartitionPlan } from './layout.js';

export function renderSfdiskScript(plan: PartitionPlan): string {
  if (plan.style === 'none') throw new OsError('E_INTERNAL', 'style "none" has no partition table to write');
  const lines = [`label: ${plan.style === 'msdos' ? 'dos' : 'gpt'}`, 'unit: sectors'];
  if (plan.style === 'gpt') lines.push(`first-lba: ${Math.min(...plan.partitions.map((p) => p.start))}`);
  lines.push('');
  for (const p of plan.partitions) {
    const fields = [`start=${p.start}`, `size=${p.size}`, `type=${p.type}`];
    if (p.name !== undefined) fields.push(`name="${p.name}"`);
    if (p.bootable) fields.push('bootable');
    lines.push(fields.join(', '));
  }
  return lines.join('\n') + '\n';
}

export interface TablePartition {
  number: number;
  node: string;
  start: number;
  size: number;
  /** GUID (upper case) for gpt, hex byte for dos. */
  type: string;
  name?: string;
  bootable: boolean;
}

export interface PartitionTable {
  label: 'dos' | 'gpt';
  id: string;
  sectorSize: number;
  partitions: TablePartition[];
}

interface RawPartition {
  node?: unknown;
  start?: unknown;
  size?: unknown;
  type?: unknown;
  name?: unknown;
  bootable?: unknown;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Parse `sfdisk -J DEVICE`. Partition numbers come from the trailing digits of each node name. */
export function parseSfdiskJson(text: string): PartitionTable {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new OsError('E_DISK_TABLE', 'sfdisk -J printed something that is not JSON', { cause: e });
  }
  const pt = (doc as { partitiontable?: Record<string, unknown> } | null)?.partitiontable;
  if (!pt || (pt.label !== 'dos' && pt.label !== 'gpt')) {
    throw new OsError('E_DISK_TABLE', `unsupported partition table label ${String(pt?.label)}`, {
      hint: 'only dos (msdos) and gpt tables are supported',
    });
  }
  const raw = Array.isArray(pt.partitions) ? (pt.partitions as RawPartition[]) : [];
  const partitions = raw.map((p): TablePartition => {
    const node = str(p.node);
    const m = /(\d+)$/.exec(node);
    const out: TablePartition = {
      number: m ? Number(m[1]) : 0,
      node,
      start: Number(p.start),
      size: Number(p.size),
      type: str(p.type).toUpperCase(),
      bootable: p.bootable === true,
    };
    if (typeof p.name === 'string') out.name = p.name;
    return out;
  });
  return {
    label: pt.label,
    id: str(pt.id),
    sectorSize: typeof pt.sectorsize === 'number' ? pt.sectorsize : 512,
    partitions,
  };
}
