/** Escaping text for roff (man macros): what a generated man page needs, nothing more. */

/** Text for a roff line or a quoted macro argument: backslashes, minus signs and double quotes escaped. */
export function roffText(s: string): string {
  return s.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/"/g, '\\(dq');
}

/**
 * Text lines: each line escaped, one starting with a control character (`.` or `'`) guarded with
 * `\&`, blank lines kept as vertical space.
 */
export function roffLine(s: string): string {
  return s
    .split('\n')
    .map((l) => (l.trim() === '' ? '.sp' : roffText(l).replace(/^([.'])/, '\\&$1')))
    .join('\n');
}

/** A section heading: upper case, quoted when it has spaces. */
export function roffHeading(s: string): string {
  const t = roffText(s.toUpperCase());
  return /\s/.test(t) ? `"${t}"` : t;
}
