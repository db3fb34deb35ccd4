/**
 * The one error type of ganeti-os. Every failure a user can cause or meet carries a stable
 * machine code (`E_DISK_TOO_SMALL`), a one-line message that names the problem and a one-line hint
 * that says what to do. Entry points catch it once and print `error[<code>]: <message> (hint: ...)`
 * as the last log line, because Ganeti shows the admin only the last 20 lines of a script's log.
 */
const brand = Symbol.for('ganeti-os.OsError');

export interface OsErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Exit code for the process; default 1. */
  exitCode?: number;
}

export class OsError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: number;
  readonly [brand] = true;

  constructor(code: string, message: string, options: OsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    Object.defineProperty(this, 'name', { value: 'OsError', enumerable: false });
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }

  /** The single line shown to the admin. */
  oneLine(): string {
    const msg = this.message.replace(/\s*\n\s*/g, '; ');
    return this.hint ? `error[${this.code}]: ${msg} (hint: ${this.hint})` : `error[${this.code}]: ${msg}`;
  }
}

export function isOsError(e: unknown): e is OsError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[brand] === true;
}

/** Several independent problems reported at once (env validation, variant files). */
export class OsErrors extends OsError {
  readonly problems: readonly OsError[];
  constructor(problems: readonly OsError[], hint?: string) {
    const first = problems[0];
    super(
      first?.code ?? 'E_INVALID',
      problems.length === 1 && first
        ? first.message
        : `${problems.length} problems: ${problems.map((p) => p.message).join('; ')}`,
      { hint: hint ?? first?.hint },
    );
    this.problems = problems;
  }

  /** One line per problem, for logs where all of them should be seen. */
  lines(): string[] {
    return this.problems.map((p) => p.oneLine());
  }
}

/** Wrap anything thrown into an OsError (unknown errors are internal bugs). */
export function toOsError(e: unknown): OsError {
  if (isOsError(e)) return e;
  if (e instanceof Error) {
    return new OsError('E_INTERNAL', e.message, {
      cause: e,
      hint: 'this is a bug in ganeti-os; rerun with DEBUG_LEVEL=1 and report the log',
    });
  }
  return new OsError('E_INTERNAL', String(e), { hint: 'this is a bug in ganeti-os' });
}

/**
 * The lines every entry point prints for a failure: one per problem when there are several, then
 * the one-line reason, which comes last because Ganeti shows the admin the end of the log.
 */
export function errorLines(e: unknown): { lines: string[]; exitCode: number } {
  const err = toOsError(e);
  const lines = err instanceof OsErrors && err.problems.length > 1 ? err.lines() : [];
  lines.push(err.oneLine());
  return { lines, exitCode: err.exitCode };
}

/** Print a failure as every entry point does (errorLines), the stack of an internal error at debug level. */
export function reportError(
  e: unknown,
  log: { error(line: string): void; debug(line: string): void },
): number {
  if (!isOsError(e) && e instanceof Error && e.stack) log.debug(e.stack);
  const { lines, exitCode } = errorLines(e);
  for (const line of lines) log.error(line);
  return exitCode;
}
