/**
 * Pipelines of external tools connected by OS-level stdio handoff: `a | b | c` without the data ever
 * passing through Node. Child N+1 receives child N's stdout as its stdin, then the parent drops its
 * own copy, so end-of-file and broken-pipe propagate exactly as in a shell. Semantics are bash's
 * `set -o pipefail`: every stage is waited for and any non-zero stage fails the whole pipeline with an
 * OsError naming that stage and its last stderr line. Each stage's stderr is captured (the last
 * ~8 KiB are kept) and forwarded to the logger at debug level. An abort signal kills every stage.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { OsError, type ErrorCode } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { TOOL_PATH } from './tool-path.js';

/** A file opened by the pipeline itself (stdin: read; stdout: created/truncated, mode 0600 unless given). */
export interface PipeFile {
  path: string;
  mode?: number;
  append?: boolean;
}

/** Where the pipeline's stdin or stdout goes: our own fd ('inherit'), nothing ('ignore'), an open fd, or a file. */
export type PipeEnd = 'inherit' | 'ignore' | number | PipeFile;

export type StageSpec = readonly string[] | { argv: readonly string[]; name?: string };

export interface PipelineOptions {
  log: Logger;
  stdin?: PipeEnd;
  stdout?: PipeEnd;
  signal?: AbortSignal;
  /** Extra environment merged over ours (LC_ALL=C and the standard PATH are always set). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Error code when a stage fails; default E_PIPELINE. */
  code?: ErrorCode;
  hint?: string;
  /**
   * Extra file descriptors passed to every stage as fd 3, 4, ... (e.g. a lock file for `flock 3`).
   */
  extraFds?: readonly number[];
  /** Bytes of stderr kept per stage; default 8192. */
  stderrTailBytes?: number;
  /** Grace period between SIGTERM and SIGKILL on abort; default 5000 ms. */
  killAfterMs?: number;
}

export interface StageResult {
  argv: readonly string[];
  name: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The last bytes of the stage's stderr. */
  stderrTail: string;
  /** Could not be started at all (e.g. ENOENT). */
  spawnError?: string;
}

const DEFAULT_TAIL = 8192;

function normStage(s: StageSpec): { argv: readonly string[]; name: string } {
  const argv = 'argv' in s ? s.argv : s;
  if (argv.length === 0 || !argv[0]) throw new OsError('E_INTERNAL', 'empty pipeline stage');
  const name = ('name' in s && typeof s.name === 'string' ? s.name : undefined) ?? argv[0];
  return { argv, name };
}

/** The last non-empty line of a text. */
export function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

/** A stage that failed only because its reader went away (SIGPIPE, EPIPE, ECONNRESET). */
function brokenPipeOnly(r: StageResult): boolean {
  if (r.signal === 'SIGPIPE' || r.exitCode === 141) return true;
  return /broken pipe|connection reset by peer/i.test(lastLine(r.stderrTail));
}

function failed(r: StageResult): boolean {
  return r.spawnError !== undefined || r.signal !== null || r.exitCode !== 0;
}

function describe(r: StageResult): string {
  if (r.spawnError !== undefined) return `could not start: ${r.spawnError}`;
  if (r.signal) return `killed by ${r.signal}`;
  return `exit ${r.exitCode ?? '?'}`;
}

/** Keeps the last `limit` bytes of a stream and hands complete lines to a callback. */
class Tail {
  private buf = '';
  private partial = '';
  constructor(
    private readonly limit: number,
    private readonly onLine: (line: string) => void,
  ) {}
  push(chunk: string): void {
    this.buf += chunk;
    if (this.buf.length > this.limit * 2) this.buf = this.buf.slice(-this.limit);
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > this.limit) this.partial = this.partial.slice(-this.limit);
    for (const l of lines) if (l.trim()) this.onLine(l);
  }
  end(): void {
    if (this.partial.trim()) this.onLine(this.partial);
    this.partial = '';
  }
  text(): string {
    return this.buf.length > this.limit ? this.buf.slice(-this.limit) : this.buf;
  }
}

interface OpenedEnds {
  stdin: 'inherit' | 'ignore' | number;
  stdout: 'inherit' | 'ignore' | number;
  toClose: number[];
}

function openEnds(opts: PipelineOptions): OpenedEnds {
  const toClose: number[] = [];
  const open = (end: PipeEnd | undefined, dir: 'in' | 'out'): 'inherit' | 'ignore' | number => {
    if (end === undefined) return dir === 'in' ? 'ignore' : 'inherit';
    if (end === 'inherit' || end === 'ignore' || typeof end === 'number') return end;
    const spec = end;
    try {
      const fd =
        dir === 'in'
          ? openSync(spec.path, 'r')
          : openSync(spec.path, spec.append ? 'a' : 'w', spec.mode ?? 0o600);
      toClose.push(fd);
      return fd;
    } catch (e) {
      for (const fd of toClose) closeSync(fd);
      throw new OsError(
        'E_PIPELINE_IO',
        `cannot open ${spec.path} for ${dir === 'in' ? 'reading' : 'writing'}: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
  };
  const stdin = open(opts.stdin, 'in');
  const stdout = open(opts.stdout, 'out');
  return { stdin, stdout, toClose };
}

/**
 * Run `stages[0] | stages[1] | ...`. Resolves with every stage's result when all exit 0; otherwise
 * throws an OsError naming the stage that failed (the leftmost stage that did not fail merely
 * because its reader went away). An aborted run throws E_INTERRUPTED.
 */
export async function runPipeline(
  stageSpecs: readonly StageSpec[],
  opts: PipelineOptions,
): Promise<StageResult[]> {
  const stages = stageSpecs.map(normStage);
  if (stages.length === 0) throw new OsError('E_INTERNAL', 'empty pipeline');
  const { log, signal } = opts;
  const shown = stages.map((s) => s.argv.join(' ')).join(' | ');
  log.debug(`$ ${shown}`);
  if (signal?.aborted)
    throw new OsError('E_INTERRUPTED', `not running ${stages[0]!.name}: the run was aborted`);

  const ends = openEnds(opts);
  const env = { ...process.env, LC_ALL: 'C', PATH: TOOL_PATH, ...opts.env };
  const tailBytes = opts.stderrTailBytes ?? DEFAULT_TAIL;
  const children: ChildProcess[] = [];
  const waits: Promise<StageResult>[] = [];
  let prevOut: Readable | null = null;

  try {
    for (let i = 0; i < stages.length; i++) {
      const stage = stages[i]!;
      const last = i === stages.length - 1;
      const stdio: StdioOptions = [
        i === 0 ? ends.stdin : (prevOut ?? 'ignore'),
        last ? ends.stdout : 'pipe',
        'pipe',
        ...(opts.extraFds ?? []),
      ];
      const child: ChildProcess = spawn(stage.argv[0]!, stage.argv.slice(1), { stdio, env, cwd: opts.cwd });
      children.push(child);
      // The child holds its own copy of the upstream pipe now; drop ours so EOF/EPIPE propagate.
      prevOut?.destroy();
      prevOut = last ? null : child.stdout;
      waits.push(watch(child, stage, tailBytes, log));
    }
  } finally {
    prevOut?.destroy();
    for (const fd of ends.toClose) closeSync(fd);
  }

  let aborted = false;
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    aborted = true;
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    killTimer = setTimeout(() => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }, opts.killAfterMs ?? 5000);
    killTimer.unref();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  let results: StageResult[];
  try {
    results = await Promise.all(waits);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (killTimer) clearTimeout(killTimer);
  }

  if (aborted) throw new OsError('E_INTERRUPTED', `${shown} was aborted`);
  const bad = results.filter(failed);
  if (bad.length > 0) {
    const culprit = bad.find((r) => !brokenPipeOnly(r)) ?? bad[0]!;
    const tail = lastLine(culprit.stderrTail);
    const where = stages.length > 1 ? ` (stage ${results.indexOf(culprit) + 1} of ${shown})` : '';
    throw new OsError(
      opts.code ?? 'E_PIPELINE',
      `${culprit.name} failed (${describe(culprit)})${where}${tail ? `: ${log.mask(tail)}` : ''}`,
      {
        hint: opts.hint ?? `rerun with DEBUG_LEVEL=1 to see the full ${culprit.name} output`,
      },
    );
  }
  return results;
}

function watch(
  child: ChildProcess,
  stage: { argv: readonly string[]; name: string },
  tailBytes: number,
  log: Logger,
): Promise<StageResult> {
  const tail = new Tail(tailBytes, (line) => log.debug(`${stage.name}: ${line}`));
  const stderr = child.stderr;
  let stderrDone: Promise<void> = Promise.resolve();
  if (stderr) {
    stderr.setEncoding('utf8');
    stderr.on('data', (chunk: string) => tail.push(chunk));
    stderrDone = new Promise((res) => {
      stderr.once('close', () => res());
      stderr.once('error', () => res());
    });
  }
  return new Promise((resolve) => {
    let settled = false;
    const finish = async (
      exitCode: number | null,
      sig: NodeJS.Signals | null,
      spawnError?: string,
    ): Promise<void> => {
      if (settled) return;
      settled = true;
      // 'exit', not 'close': a grandchild may keep the pipes open. Give stderr a moment to drain.
      await Promise.race([stderrDone, new Promise((r) => setTimeout(r, 200).unref())]);
      stderr?.destroy();
      tail.end();
      const result: StageResult = {
        argv: stage.argv,
        name: stage.name,
        exitCode,
        signal: sig,
        stderrTail: tail.text(),
      };
      if (spawnError !== undefined) result.spawnError = spawnError;
      resolve(result);
    };
    child.once('exit', (code, sig) => void finish(code, sig));
    child.once('error', (err) => void finish(null, null, err.message));
  });
}
