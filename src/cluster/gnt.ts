/**
 * Ganeti's own cluster-wide machinery, run on the master: `gnt-cluster command` (a shell line on
 * every node, or on the nodes named) and `gnt-cluster copyfile` (a file to the same path on every
 * other node), plus the master's name and the online nodes. Both gnt-cluster commands exit 0 when a
 * node fails, so their output is read: a failure is an OsError naming the node.
 */
import { OsError } from '../runtime/errors.js';
import type { Runner } from '../process/types.js';
import { BEGIN_MARK, parseClusterCommand, type NodeOutput } from './command-output.js';

const HINT = 'see `gnt-cluster verify`: every node must be online and reachable by ssh from the master';

/** Runs the shell `line` on `nodes` (default: every online node, the master last). */
export async function clusterCommand(
  runner: Runner,
  line: string,
  nodes: readonly string[] = [],
  timeoutMs = 1_800_000,
): Promise<NodeOutput[]> {
  const r = await runner.run(
    'gnt-cluster',
    ['command', '-M', ...nodes.flatMap((n) => ['-n', n]), `echo ${BEGIN_MARK}; ${line}`],
    { code: 'E_CLUSTER_COMMAND', hint: HINT, timeoutMs },
  );
  const outputs = parseClusterCommand(r.stdout);
  for (const n of nodes) {
    if (!outputs.some((o) => o.node === n))
      throw new OsError('E_CLUSTER_COMMAND', `gnt-cluster command printed nothing for node ${n}`, {
        hint: HINT,
      });
  }
  return outputs;
}

/** Like clusterCommand, but every node must succeed. */
export async function clusterCommandAll(
  runner: Runner,
  what: string,
  line: string,
  nodes: readonly string[] = [],
): Promise<NodeOutput[]> {
  const outputs = await clusterCommand(runner, line, nodes);
  const failed = outputs.filter((o) => o.exitCode !== 0);
  if (failed.length > 0) {
    const tails = failed.map((o) => {
      const last = o.lines
        .filter((l) => l.trim())
        .slice(-2)
        .join(' / ');
      return `${o.node} (exit ${o.exitCode ?? '?'}${last ? `: ${last}` : ''})`;
    });
    throw new OsError('E_CLUSTER_COMMAND', `${what} failed on ${tails.join(', ')}`, { hint: HINT });
  }
  return outputs;
}

/** Copies `file` (absolute) to the same path on `nodes` (default: every online node but the master). */
export async function clusterCopyFile(
  runner: Runner,
  file: string,
  nodes: readonly string[] = [],
): Promise<void> {
  const r = await runner.run('gnt-cluster', ['copyfile', ...nodes.flatMap((n) => ['-n', n]), file], {
    code: 'E_CLUSTER_COPY',
    hint: HINT,
  });
  const failed = (r.stderr + r.stdout).split('\n').filter((l) => /^Copy of file .* failed/.test(l.trim()));
  if (failed.length > 0)
    throw new OsError('E_CLUSTER_COPY', `gnt-cluster copyfile: ${failed.map((l) => l.trim()).join('; ')}`, {
      hint: HINT,
    });
}

/** The master node's name. */
export async function masterNode(runner: Runner): Promise<string> {
  const r = await runner.run('gnt-cluster', ['getmaster'], { code: 'E_CLUSTER_COMMAND', hint: HINT });
  const name = r.stdout.trim();
  if (!name) throw new OsError('E_CLUSTER_COMMAND', 'gnt-cluster getmaster printed no name', { hint: HINT });
  return name;
}

/** The online nodes' names, in Ganeti's order. */
export async function onlineNodes(runner: Runner): Promise<string[]> {
  const r = await runner.run('gnt-node', ['list', '--no-headers', '--separator=|', '-o', 'name,offline'], {
    code: 'E_CLUSTER_COMMAND',
    hint: 'run this on the master node',
  });
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split('|'))
    .filter(([name, offline]) => name && offline === 'N')
    .map(([name]) => name!);
}
