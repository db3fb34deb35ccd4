/**
 * Running one hook: an executor that spawns directly (node:child_process) rather than through
 * Runner, because a hook needs what Runner does not give: its own process group (so a timeout kills
 * everything it started), its output streamed line by line into the log while it runs, and no
 * buffering of what a long hook prints.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface HookExecOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** Each output line, as it comes. */
  onLine(line: string, stream: 'stdout' | 'stderr'): void;
  signal?: AbortSignal;
  /** Between SIGTERM and SIGKILL of the process group. */
  killGraceMs?: number;
  /** Lines kept for the failure message. */
  tailLines?: number;
}

export interface HookExecResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
  /** Spawn error (ENOENT, EACCES, ENOEXEC: no #! line). */
  spawnError?: string;
  /** The last lines of output. */
  tail: string[];
  /** Processes of the hook's group still alive after it exited (then killed). */
  leftovers: boolean;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Kill a process group: TERM, wait up to `graceMs`, then KILL. */
export async function terminateGroup(pgid: number, graceMs: number): Promise<void> {
  if (!groupAlive(pgid)) return;
  killGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && groupAlive(pgid)) await sleep(50);
  if (groupAlive(pgid)) killGroup(pgid, 'SIGKILL');
  for (let i = 0; i < 40 && groupAlive(pgid); i++) await sleep(50);
}

export async function execHook(file: string, opts: HookExecOptions): Promise<HookExecResult> {
  const tailMax = opts.tailLines ?? 20;
  const grace = opts.killGraceMs ?? 2000;
  const tail: string[] = [];
  const result: HookExecResult = {
    exitCode: null,
    signal: null,
    timedOut: false,
    aborted: false,
    tail,
    leftovers: false,
  };
  if (opts.signal?.aborted) {
    result.aborted = true;
    return result;
  }

  const child = spawn(file, [], {
    cwd: opts.cwd,
    env: opts.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const closed: Promise<void>[] = [];
  for (const [stream, name] of [
    [child.stdout, 'stdout'],
    [child.stderr, 'stderr'],
  ] as const) {
    const rl = createInterface({ input: stream, crlfDelay: Infinity });
    rl.on('line', (line) => {
      tail.push(line);
      if (tail.length > tailMax) tail.shift();
      opts.onLine(line, name);
    });
    closed.push(new Promise((r) => stream.once('close', () => r())));
  }

  const pgid = child.pid;
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    result.aborted = true;
    if (pgid) void terminateGroup(pgid, grace);
  };

  const exited = new Promise<void>((resolve) => {
    child.once('error', (e) => {
      result.spawnError = (e as NodeJS.ErrnoException).code ?? e.message;
      resolve();
    });
    child.once('exit', (code, sig) => {
      result.exitCode = code;
      result.signal = sig;
      resolve();
    });
  });

  if (pgid) {
    timer = setTimeout(() => {
      result.timedOut = true;
      void terminateGroup(pgid, grace);
    }, opts.timeoutMs);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
  }

  try {
    await exited;
  } finally {
    if (timer) clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }

  if (pgid && groupAlive(pgid)) {
    result.leftovers = !result.timedOut && !result.aborted;
    await terminateGroup(pgid, grace);
  }
  // A process that left the group (setsid) may still hold the pipes: do not wait for it forever.
  const streamsDone = Promise.all(closed);
  const bounded = await Promise.race([streamsDone.then(() => true), sleep(2000).then(() => false)]);
  if (!bounded) {
    child.stdout?.destroy();
    child.stderr?.destroy();
  }
  return result;
}
