/**
 * Shell command lines for `gnt-cluster command`, which joins its arguments with spaces and hands
 * them to ssh, i.e. to a remote shell: every word is quoted here. Pure.
 */

/** One word for a POSIX shell: bare when it is safe, else in single quotes. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A command line from argv. */
export function shellLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** Command lines run one after another, stopping at the first failure. */
export function shellAnd(lines: readonly string[]): string {
  return lines.join(' && ');
}
