/**
 * Scheme literals for the files Guix configurations load (pure). Every value the provider hands a
 * configuration is written as a self-evaluating datum or a `(list ...)`/`(cons ...)` of them: a
 * string is one Guile string literal whatever it holds (quotes, parentheses, newlines, `#.(...)`),
 * so no value can become code. Symbols are restricted to plain lower-case names.
 */
import { OsError } from 'ganeti-os/sdk';

/** A Scheme symbol, made only by `schemeSymbol` (a quoted `'name`). */
export interface SchemeSymbol {
  readonly symbol: string;
}

export type SchemeValue =
  string | number | boolean | null | SchemeSymbol | SchemeValue[] | { [key: string]: SchemeValue };

const SYMBOL = /^[a-z][a-z0-9-]*$/;

function badValue(what: string, hint: string): OsError {
  return new OsError('E_INTERNAL', `cannot write ${what} as a Scheme literal`, { hint });
}

/** A symbol of lower-case letters, digits and dashes, starting with a letter. */
export function schemeSymbol(name: string): SchemeSymbol {
  if (!SYMBOL.test(name)) {
    throw badValue(`symbol ${JSON.stringify(name)}`, 'symbols are [a-z][a-z0-9-]*; pass text as a string');
  }
  return { symbol: name };
}

function isSymbol(v: object): v is SchemeSymbol {
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0] === 'symbol' && typeof (v as SchemeSymbol).symbol === 'string';
}

/**
 * A Guile string literal in plain ASCII: `\` and `"` escaped; newline, tab and carriage return as
 * `\n`, `\t`, `\r`; every other control character and DEL as `\xHH` (exactly two digits: Guile's
 * default reader, which Guix uses, takes two and would keep an R6RS-style `;` as a character);
 * everything beyond ASCII as `\uHHHH` or `\UHHHHHH`, so the file reads the same in any locale.
 */
export function schemeString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${hex(c, 2)}`;
    else if (c >= 0xd800 && c <= 0xdfff)
      out += '\\ufffd'; // a lone surrogate is no character
    else if (c > 0xffff) out += `\\U${hex(c, 6)}`;
    else if (c > 0x7e) out += `\\u${hex(c, 4)}`;
    else out += ch;
  }
  return `${out}"`;
}

function hex(c: number, digits: number): string {
  return c.toString(16).padStart(digits, '0');
}

function schemeNumber(n: number): string {
  if (!Number.isFinite(n)) throw badValue(`the number ${n}`, 'only finite numbers are written');
  if (Number.isInteger(n)) {
    if (!Number.isSafeInteger(n))
      throw badValue(`the integer ${n}`, 'integers must be exact (safe) integers');
    return String(n);
  }
  const text = String(n);
  // Exponent forms (1e-7) are valid Scheme too, but keep the file plain: decimals only.
  if (!/^-?\d+\.\d+$/.test(text)) throw badValue(`the number ${text}`, 'write decimals without an exponent');
  return text;
}

/**
 * One value as a Scheme expression that evaluates to it: strings, numbers, `#t`/`#f`, `#f` for
 * null, `'symbol`, arrays as `(list ...)`, objects as association lists
 * `(list (cons 'key value) ...)` (keys are symbols, so they follow `schemeSymbol`'s rule).
 */
export function schemeLiteral(v: SchemeValue): string {
  if (v === null) return '#f';
  if (typeof v === 'string') return schemeString(v);
  if (typeof v === 'number') return schemeNumber(v);
  if (typeof v === 'boolean') return v ? '#t' : '#f';
  if (typeof v !== 'object') {
    throw badValue(`a ${typeof v}`, 'pass strings, numbers, booleans, null, symbols, arrays or objects');
  }
  if (Array.isArray(v)) return v.length === 0 ? "'()" : `(list ${v.map(schemeLiteral).join(' ')})`;
  if (isSymbol(v)) return `'${schemeSymbol(v.symbol).symbol}`;
  const entries = Object.entries(v);
  if (entries.length === 0) return "'()";
  return `(list ${entries.map(([k, x]) => `(cons '${schemeSymbol(k).symbol} ${schemeLiteral(x)})`).join(' ')})`;
}
