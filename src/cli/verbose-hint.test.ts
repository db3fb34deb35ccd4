import { describe, expect, it } from 'vitest';
import { OsError, OsErrors } from '../runtime/errors.js';
import { Logger, MemorySink } from '../runtime/logger.js';
import { reportCliError } from './verbose-hint.js';

function report(e: unknown): { code: number; lines: string[] } {
  const sink = new MemorySink();
  const code = reportCliError(e, new Logger('debug', sink));
  return { code, lines: sink.lines };
}

describe('CLI error hints', () => {
  it('an internal error names -v, the CLI option that shows more (DEBUG_LEVEL does nothing in the CLI)', () => {
    const { code, lines } = report(new TypeError('boom'));
    expect(code).toBe(1);
    const last = lines.at(-1)!;
    expect(last).toContain('error[E_INTERNAL]: boom');
    expect(last).toContain('rerun with -v');
    expect(last).not.toContain('DEBUG_LEVEL');
    expect(lines.some((l) => l.includes('TypeError: boom'))).toBe(true); // the stack, at debug level
  });

  it('rewrites the hints of tool failures, one or several, and keeps code and exit code', () => {
    const tool = new OsError('E_COMMAND', 'sfdisk failed (exit 1)', {
      hint: 'rerun with DEBUG_LEVEL=1 to see the full sfdisk output',
      exitCode: 3,
    });
    const one = report(tool);
    expect(one.code).toBe(3);
    expect(one.lines.at(-1)).toBe(
      'error[E_COMMAND]: sfdisk failed (exit 1) (hint: rerun with -v to see the full sfdisk output)',
    );
    const many = report(new OsErrors([tool, new OsError('E_PARAM', 'bad', { hint: 'fix it' })]));
    expect(many.lines.join('\n')).not.toContain('DEBUG_LEVEL');
  });

  it('leaves other hints alone', () => {
    expect(report(new OsError('E_USAGE', 'x', { hint: 'e.g. --size 3G' })).lines.at(-1)).toBe(
      'error[E_USAGE]: x (hint: e.g. --size 3G)',
    );
  });
});
