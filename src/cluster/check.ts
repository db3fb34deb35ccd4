/**
 * `ganeti-os cluster check` on the master: `ganeti-os cluster digest --json` on every node through
 * `gnt-cluster command`, then every node compared with the master (compare.ts).
 */
import type { Runner } from '../process/types.js';
import { digestReports } from './command-output.js';
import { compareCluster, type CheckResult } from './compare.js';
import { clusterCommand, masterNode } from './gnt.js';
import { shellLine } from './shell.js';

export interface ClusterCheckOptions {
  runner: Runner;
  /** argv of ganeti-os on the nodes (e.g. ['/usr/bin/ganeti-os']). */
  cli: string[];
  /** Only these nodes (default: every online node). */
  nodes?: string[];
}

/** The shell line a node runs for its digest. */
export function digestLine(cli: readonly string[]): string {
  return shellLine([...cli, 'cluster', 'digest', '--json']);
}

export async function clusterCheck(o: ClusterCheckOptions): Promise<CheckResult> {
  const master = await masterNode(o.runner);
  const outputs = await clusterCommand(o.runner, digestLine(o.cli), o.nodes ?? []);
  const reports = digestReports(outputs);
  const reference = reports.some((r) => r.node === master) ? master : (reports[0]?.node ?? master);
  return compareCluster(reports, reference);
}
