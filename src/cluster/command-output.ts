/**
 * Reading what `gnt-cluster command -M` prints: per node a separator line, the node's output with
 * every line prefixed by `<node>: `, then `return code = N`. Ganeti exits 0 whatever the nodes
 * return, so the return codes are read here. Pure.
 */
import type { NodeReport } from './compare.js';
import { DIGEST_FORMAT, type NodeDigest } from './types.js';

/** Printed first by every remote command, so that even a silent node shows its name. */
export const BEGIN_MARK = 'ganeti-os-cluster-begin';

export interface NodeOutput {
  node: string;
  /** The node's output lines (stdout and stderr, as Ganeti combines them), prefixes removed. */
  lines: string[];
  /** null when the block has no `return code` line. */
  exitCode: number | null;
}

const SEPARATOR = /^-{20,}$/;
const RETURN_CODE = /^return code = (-?\d+)$/;

export function parseClusterCommand(stdout: string): NodeOutput[] {
  const out: NodeOutput[] = [];
  let cur: NodeOutput | undefined;
  for (const line of stdout.split('\n')) {
    if (SEPARATOR.test(line)) {
      cur = undefined;
      continue;
    }
    const rc = RETURN_CODE.exec(line);
    if (rc && cur) {
      cur.exitCode = Number(rc[1]);
      cur = undefined;
      continue;
    }
    const m = /^([^\s:]+): ?(.*)$/.exec(line);
    if (!m) continue;
    if (!cur || cur.node !== m[1]) {
      cur = { node: m[1]!, lines: [], exitCode: null };
      out.push(cur);
    }
    if (m[2] !== BEGIN_MARK) cur.lines.push(m[2]!);
  }
  return out;
}

/** The last few non-empty lines: what a failed node said. */
function tail(lines: readonly string[], n = 3): string {
  return lines
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-n)
    .join(' / ');
}

function isDigest(v: unknown): v is NodeDigest {
  const d = v as Partial<NodeDigest> | null;
  return !!d && d.format === DIGEST_FORMAT && Array.isArray(d.providers) && typeof d.version === 'string';
}

/** Each node's digest (the one line of JSON `cluster digest --json` prints), or what went wrong. */
export function digestReports(outputs: readonly NodeOutput[]): NodeReport[] {
  return outputs.map((o) => {
    const line = o.lines.find((l) => l.startsWith(`{"format":"${DIGEST_FORMAT}"`));
    if (o.exitCode !== 0 || !line) {
      const why =
        o.exitCode === null
          ? 'no return code'
          : o.exitCode !== 0
            ? `exit ${o.exitCode}`
            : 'no digest in its output';
      return { node: o.node, error: `${why}${tail(o.lines) ? `: ${tail(o.lines)}` : ''}` };
    }
    try {
      const d: unknown = JSON.parse(line);
      if (isDigest(d)) return { node: o.node, digest: d };
    } catch {
      // reported below
    }
    return { node: o.node, error: 'unreadable digest output' };
  });
}
