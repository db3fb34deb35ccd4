/**
 * Running external tools. Only executors use this; planners stay pure. Every command runs without a
 * shell (argument arrays), with LC_ALL=C, is logged at debug level, is killed when the run is
 * aborted (signal), and fails with an OsError whose message ends with the tool's last stderr line.
 * Bulk data never goes through here buffered: see pipeline.ts.
 */
import { execa, type Options as ExecaOptions } from 'execa';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { RunOptions, RunResult, Runner } from './types.js';
import { TOOL_PATH } from './tool-path.js';

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

export class ExecRunner implements Runner {
  constructor(
    private readonly log: Logger,
    private readonly signal?: AbortSignal,
  ) {}

  async run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const shown = opts.redactArgs ? `${cmd} <${args.length} args>` : [cmd, ...args].join(' ');
    this.log.debug(`$ ${shown}`);
    if (this.signal?.aborted) throw new OsError('E_INTERRUPTED', `not running ${cmd}: the run was aborted`);
    const execaOpts: ExecaOptions = {
      reject: false,
      stripFinalNewline: false,
      cwd: opts.cwd,
      env: { LC_ALL: 'C', PATH: TOOL_PATH, ...opts.env },
      extendEnv: !opts.cleanEnv,
      timeout: opts.timeoutMs,
      cancelSignal: this.signal,
      forceKillAfterDelay: 5000,
      stdin: opts.input === undefined ? 'ignore' : 'pipe',
      input: opts.input,
      stderr: opts.stderrToLog ? 'inherit' : 'pipe',
      maxBuffer: 64 * 1024 * 1024,
    };
    const child = execa(cmd, args, execaOpts);
    const onOutput = opts.onOutput;
    if (onOutput) {
      // Read alongside execa's own buffering: every chunk reaches both.
      for (const s of [child.stdout, child.stderr])
        s?.on('data', (d: Buffer | string) => onOutput(typeof d === 'string' ? d : d.toString('utf8')));
    }
    const r = await child;
    const stdout = typeof r.stdout === 'string' ? r.stdout : '';
    const stderr = typeof r.stderr === 'string' ? r.stderr : '';
    const exitCode = r.exitCode ?? (r.signal ? 128 : 1);
    const failed = r.failed;
    if (failed) {
      const why = r.timedOut
        ? `timed out after ${opts.timeoutMs ?? 0} ms`
        : r.isCanceled
          ? 'aborted'
          : r.signal
            ? `killed by ${r.signal}`
            : r.exitCode === undefined
              ? (r.originalMessage ?? 'could not start').split('\n')[0]
              : `exit ${exitCode}`;
      if (stderr.trim()) this.log.debug(stderr.trimEnd());
      if (opts.reject !== false || r.exitCode === undefined) {
        const tail = lastLine(stderr) || lastLine(stdout);
        throw new OsError(
          opts.code ?? 'E_COMMAND',
          `${cmd} failed (${why})${tail ? `: ${this.log.mask(tail)}` : ''}`,
          {
            hint: opts.hint ?? `rerun with DEBUG_LEVEL=1 to see the full ${cmd} output`,
          },
        );
      }
    }
    return { exitCode, stdout, stderr, failed };
  }
}
