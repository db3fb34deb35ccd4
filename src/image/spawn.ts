/**
 * Running one tool whose output we read as it comes (a decompressor, qemu-img with progress), as
 * src/stream/raw.ts runs dd: no shell, LC_ALL=C and the standard PATH, extra file descriptors
 * handed down (the image file we inspected, as fd 3), the last stderr bytes kept for the error
 * message, and the child killed (SIGTERM, then SIGKILL) when the run is aborted or the caller
 * stops early. Runner (src/process/) buffers whole outputs; this streams them.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Readable } from 'node:stream';
import { TOOL_PATH } from '../process/tool-path.js';
import { lastLine } from '../process/pipeline.js';
import type { Logger } from '../runtime/logger.js';

export interface ToolExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The tool could not be started (e.g. not installed). */
  spawnError?: string;
  /** We killed it (abort, or the caller stopped reading). */
  killed: boolean;
  stderrTail: string;
}

export interface RunningTool {
  child: ChildProcess;
  /** The child's stdout when asked for ('pipe'). */
  stdout: Readable | null;
  /** Resolves when the child has exited (never rejects). */
  exited: Promise<ToolExit>;
  /** SIGTERM now, SIGKILL after a grace period; no-op once exited. */
  kill(): void;
}

export interface SpawnToolOptions {
  stdin?: 'ignore' | number;
  stdout?: 'pipe' | 'ignore';
  /** Passed to the child as fd 3, 4, ... */
  extraFds?: readonly number[];
  log?: Logger;
  signal?: AbortSignal;
  killAfterMs?: number;
}

const TAIL = 8192;

export function spawnTool(argv: readonly string[], o: SpawnToolOptions = {}): RunningTool {
  o.log?.debug(`$ ${argv.join(' ')}`);
  const stdio: StdioOptions = [o.stdin ?? 'ignore', o.stdout ?? 'ignore', 'pipe', ...(o.extraFds ?? [])];
  const child = spawn(argv[0]!, argv.slice(1), {
    stdio,
    env: { ...process.env, LC_ALL: 'C', PATH: TOOL_PATH },
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr = (stderr + d).slice(-TAIL);
  });
  let killed = false;
  let timer: NodeJS.Timeout | undefined;
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const kill = (): void => {
    if (!running() || killed) return;
    killed = true;
    child.kill('SIGTERM');
    timer = setTimeout(() => {
      if (running()) child.kill('SIGKILL');
    }, o.killAfterMs ?? 5000);
    timer.unref();
  };
  if (o.signal?.aborted) kill();
  o.signal?.addEventListener('abort', kill, { once: true });
  const exited = new Promise<ToolExit>((resolve) => {
    let settled = false;
    const finish = (code: number | null, sig: NodeJS.Signals | null, spawnError?: string): void => {
      if (settled) return;
      settled = true;
      o.signal?.removeEventListener('abort', kill);
      if (timer) clearTimeout(timer);
      let reported = false;
      const done = (): void => {
        if (reported) return;
        reported = true;
        if (stderr.trim()) o.log?.debug(`${argv[0]!}: ${stderr.trimEnd()}`);
        resolve({ code, signal: sig, killed, stderrTail: stderr, ...(spawnError ? { spawnError } : {}) });
      };
      // 'exit' comes before stderr is drained: give it a moment.
      if (child.stderr && !child.stderr.closed) {
        const t = setTimeout(done, 200);
        child.stderr.once('close', () => {
          clearTimeout(t);
          done();
        });
      } else done();
    };
    child.once('exit', (code, sig) => finish(code, sig));
    child.once('error', (e) => finish(null, null, e.message));
  });
  return { child, stdout: child.stdout, exited, kill };
}

/** "exit 1: <last stderr line>", "killed by SIGTERM", "could not start: ..." */
export function describeExit(e: ToolExit): string {
  const tail = lastLine(e.stderrTail);
  const how =
    e.spawnError !== undefined
      ? `could not start: ${e.spawnError}`
      : e.signal
        ? `killed by ${e.signal}`
        : `exit ${e.code ?? '?'}`;
  return tail ? `${how}: ${tail}` : how;
}

export const exitedOk = (e: ToolExit): boolean =>
  e.spawnError === undefined && e.signal === null && e.code === 0;
