/**
 * Parsers for the text `gnt-os diagnose`, `gnt-os info` and `gnt-os list` print (formats from
 * Ganeti's lib/client/gnt_os.py), so tests can assert on fields instead of whole screens.
 */

export interface DiagnoseNode {
  node: string;
  valid: boolean;
  /** Diagnose message of an invalid entry ('' when valid). */
  message: string;
  path: string;
  /** The full text after `status: `. */
  line: string;
}

export interface DiagnoseOs {
  name: string;
  status: 'valid' | 'invalid' | 'partial valid';
  hidden: boolean;
  blacklisted: boolean;
  variants: string[];
  nodes: DiagnoseNode[];
}

const OS_HEADER =
  /^OS: (\S+) \[global status: (valid|invalid|partial valid)\]( \[hidden\])?( \[blacklisted\])?$/;
const NODE_LINE = /^ {2}Node: ([^,]+), status: (.*)$/;

export function parseDiagnose(text: string): Map<string, DiagnoseOs> {
  const out = new Map<string, DiagnoseOs>();
  let cur: DiagnoseOs | undefined;
  for (const line of text.split('\n')) {
    const h = OS_HEADER.exec(line);
    if (h) {
      cur = {
        name: h[1]!,
        status: h[2] as DiagnoseOs['status'],
        hidden: !!h[3],
        blacklisted: !!h[4],
        variants: [],
        nodes: [],
      };
      out.set(cur.name, cur);
      continue;
    }
    if (!cur) continue;
    const v = /^ {2}Variants: \[(.*)\]$/.exec(line);
    if (v) cur.variants = v[1]!.split(', ');
    const n = NODE_LINE.exec(line);
    if (n) cur.nodes.push(parseNodeStatus(n[1]!, n[2]!));
  }
  return out;
}

function parseNodeStatus(node: string, rest: string): DiagnoseNode {
  const at = rest.lastIndexOf(' (path: ');
  const head = rest.slice(0, at);
  const path = rest.slice(at + ' (path: '.length, rest.indexOf(')', at));
  const valid = head === 'valid';
  return { node, valid, message: valid ? '' : head.replace(/^invalid - /, ''), path, line: rest };
}

export interface OsInfo {
  name: string;
  valid: boolean;
  hidden: boolean;
  blacklisted: boolean;
  apiVersions: number[];
  variants: string[];
  parameters: [string, string][];
  trusted: boolean;
}

/** `gnt-os info` output: one block per OS, `name:` then `  - key: value` and `    - item` lines. */
export function parseOsInfo(text: string): Map<string, OsInfo> {
  const out = new Map<string, OsInfo>();
  let cur: OsInfo | undefined;
  let list: string | undefined;
  for (const line of text.split('\n')) {
    const head = /^(\S+):$/.exec(line);
    if (head) {
      cur = {
        name: head[1]!,
        valid: false,
        hidden: false,
        blacklisted: false,
        apiVersions: [],
        variants: [],
        parameters: [],
        trusted: false,
      };
      out.set(cur.name, cur);
      continue;
    }
    if (!cur) continue;
    const kv = /^ {2}- ([^:]+):(?: (.*))?$/.exec(line);
    if (kv) {
      list = kv[1];
      const val = kv[2] === 'True';
      if (list === 'valid') cur.valid = val;
      if (list === 'hidden') cur.hidden = val;
      if (list === 'blacklisted') cur.blacklisted = val;
      if (list === 'trusted') cur.trusted = val;
      continue;
    }
    const item = /^ {4}- (.*)$/.exec(line);
    if (!item) continue;
    if (list === 'API versions') cur.apiVersions.push(Number(item[1]));
    if (list === 'variants') cur.variants.push(item[1]!);
    if (list === 'parameters') {
      const i = item[1]!.indexOf(': ');
      cur.parameters.push([item[1]!.slice(0, i), item[1]!.slice(i + 2)]);
    }
  }
  return out;
}

/** `gnt-os list --no-headers`: one `name` or `name+variant` per line. */
export function parseOsList(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}
