/**
 * The CLI's way to more output is its `-v` option. Hints are written for the Ganeti scripts, where
 * `DEBUG_LEVEL=1` does that; the CLI ignores DEBUG_LEVEL, so its errors name `-v` instead.
 */
import { isOsError, OsError, OsErrors, reportError, toOsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';

const SCRIPT_DEBUG = /\bDEBUG_LEVEL=1\b/g;

function rewrite(e: OsError): OsError {
  const hint = e.hint?.replace(SCRIPT_DEBUG, '-v');
  if (hint === e.hint) return e;
  return new OsError(e.code, e.message, {
    cause: e.cause ?? e,
    exitCode: e.exitCode,
    ...(hint ? { hint } : {}),
  });
}

/** `e` as an OsError whose hints name the CLI's options. */
function cliError(e: unknown): OsError {
  const err = toOsError(e);
  if (err instanceof OsErrors) {
    const problems = err.problems.map(rewrite);
    return problems.every((p, i) => p === err.problems[i])
      ? err
      : new OsErrors(problems, err.hint?.replace(SCRIPT_DEBUG, '-v'));
  }
  return rewrite(err);
}

/** Print a CLI failure (reportError with the CLI's hints); the stack of an internal error shows with -v. */
export function reportCliError(e: unknown, log: Logger): number {
  if (!isOsError(e) && e instanceof Error && e.stack) log.debug(e.stack);
  return reportError(cliError(e), log);
}
