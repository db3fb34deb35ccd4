/**
 * A fake Runner for unit tests of executors whose tools cannot run here (device-mapper): records
 * each call and answers from a table of canned results.
 */
import type { RunOptions, RunResult, Runner } from '../process/types.js';

export interface Call {
  cmd: string;
  args: string[];
  opts: RunOptions | undefined;
}

export class FakeRunner implements Runner {
  readonly calls: Call[] = [];
  constructor(
    private readonly answer: (cmd: string, args: readonly string[]) => Partial<RunResult> | undefined = () =>
      undefined,
  ) {}

  run(cmd: string, args: readonly string[], opts?: RunOptions): Promise<RunResult> {
    this.calls.push({ cmd, args: [...args], opts });
    const a = this.answer(cmd, args) ?? {};
    return Promise.resolve({
      exitCode: a.exitCode ?? 0,
      stdout: a.stdout ?? '',
      stderr: a.stderr ?? '',
      failed: (a.exitCode ?? 0) !== 0,
    });
  }

  commands(): string[] {
    return this.calls.map((c) => [c.cmd, ...c.args].join(' '));
  }
}
