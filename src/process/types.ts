/**
 * What running a tool looks like to the code that asks for it: the contract `ExecRunner` implements
 * and test fakes imitate. Kept apart from runner.ts so that the SDK's types (and a provider
 * author's editor) need none of the packages the implementation uses.
 */
import type { ErrorCode } from '../runtime/errors.js';

export interface RunOptions {
  /** Text written to the command's stdin. */
  input?: string;
  cwd?: string;
  /** Extra environment (merged over the process environment). */
  env?: Record<string, string | undefined>;
  /** Replace the environment entirely. */
  cleanEnv?: boolean;
  timeoutMs?: number;
  /** When false, a non-zero exit is returned instead of thrown. */
  reject?: boolean;
  /** Error code used when the command fails. */
  code?: ErrorCode;
  hint?: string;
  /** Let the child write straight to our stderr (long-running tools like debootstrap). */
  stderrToLog?: boolean;
  /** Hide argument values (e.g. passwords) from the debug log. */
  redactArgs?: boolean;
  /** Called with the command's output (stdout and stderr) as it comes, e.g. to show progress. */
  onOutput?: (chunk: string) => void;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  failed: boolean;
}

export interface Runner {
  run(cmd: string, args: readonly string[], opts?: RunOptions): Promise<RunResult>;
}
