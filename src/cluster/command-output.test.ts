import { describe, expect, it } from 'vitest';
import { BEGIN_MARK, digestReports, parseClusterCommand } from './command-output.js';
import { DIGEST_FORMAT } from './types.js';

const digest = (node: string) =>
  JSON.stringify({ format: DIGEST_FORMAT, node, version: '0.2.0', searchPath: [], providers: [] });
const SEP = '------------------------------------------------';

describe('gnt-cluster command -M output', () => {
  it('reads each node block: prefixed lines and the return code', () => {
    const out = [
      SEP,
      `node2.gnt.test: ${BEGIN_MARK}`,
      `node2.gnt.test: ${digest('node2.gnt.test')}`,
      'return code = 0',
      SEP,
      `node1.gnt.test: ${BEGIN_MARK}`,
      'node1.gnt.test: warning: something: with colons',
      `node1.gnt.test: ${digest('node1.gnt.test')}`,
      'return code = 0',
      SEP,
      `node3.gnt.test: ${BEGIN_MARK}`,
      'node3.gnt.test: sh: 1: ganeti-os: not found',
      'return code = 127',
      '',
    ].join('\n');
    const nodes = parseClusterCommand(out);
    expect(nodes.map((n) => [n.node, n.exitCode, n.lines.length])).toEqual([
      ['node2.gnt.test', 0, 1],
      ['node1.gnt.test', 0, 2],
      ['node3.gnt.test', 127, 1],
    ]);
    expect(nodes[1]!.lines[0]).toBe('warning: something: with colons');
    const reports = digestReports(nodes);
    expect(reports.map((r) => [r.node, r.digest?.node, r.error])).toEqual([
      ['node2.gnt.test', 'node2.gnt.test', undefined],
      ['node1.gnt.test', 'node1.gnt.test', undefined],
      ['node3.gnt.test', undefined, 'exit 127: sh: 1: ganeti-os: not found'],
    ]);
  });

  it('a node whose output has no digest, or is cut before its return code, is an error', () => {
    const out = [
      SEP,
      `n1: ${BEGIN_MARK}`,
      'n1: {"format":"other"}',
      'return code = 0',
      SEP,
      `n2: ${BEGIN_MARK}`,
      'n2: partial',
    ].join('\n');
    expect(digestReports(parseClusterCommand(out)).map((r) => r.error)).toEqual([
      'no digest in its output: {"format":"other"}',
      'no return code: partial',
    ]);
  });
});
