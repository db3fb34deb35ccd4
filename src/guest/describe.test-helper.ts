/**
 * A readable listing of planned entries, for the planners' golden-file tests. Edits are shown by
 * applying them to a sample of the current content when one is given (never to the real guest).
 */
import type { GuestEntry } from './types.js';

export interface DescribeOptions {
  /** Current contents to feed to edits, by guest path. */
  samples?: Readonly<Record<string, string | undefined>>;
  /** Print file contents (default true). Edits marked with `what` never show content. */
  contents?: boolean;
}

function modeText(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

export function describeEntries(entries: readonly GuestEntry[], opts: DescribeOptions = {}): string {
  const out: string[] = [];
  const showContent = opts.contents ?? true;
  for (const e of entries) {
    switch (e.kind) {
      case 'file': {
        const owner = e.owner ? ` ${e.owner.uid}:${e.owner.gid}` : '';
        out.push(`== file ${e.path} ${modeText(e.mode)}${owner}`);
        if (showContent)
          out.push(
            typeof e.content === 'string' ? e.content.replace(/\n$/, '') : `<${e.content.length} bytes>`,
          );
        break;
      }
      case 'symlink':
        out.push(`== symlink ${e.path} -> ${e.target}`);
        break;
      case 'dir':
        out.push(`== dir ${e.path} ${modeText(e.mode)}`);
        break;
      case 'remove':
        out.push(`== remove ${e.path}`);
        break;
      case 'edit': {
        out.push(
          `== edit ${e.path}${e.mode === undefined ? '' : ` ${modeText(e.mode)}`}${e.what ? ` (${e.what})` : ''}`,
        );
        if (showContent && !e.what && opts.samples && e.path in opts.samples) {
          const next = e.apply(opts.samples[e.path]);
          out.push(next === null ? '(unchanged)' : next.replace(/\n$/, ''));
        }
        break;
      }
    }
  }
  return out.join('\n') + '\n';
}
