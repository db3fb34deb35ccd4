/**
 * Pure judgements on an HTTP response to an image request: may its body be written, from which
 * offset, is it an error page, and is a failure worth another attempt. The downloader (download.ts)
 * acts on them.
 */
import { OsError } from '../runtime/errors.js';

export interface ResponseHead {
  status: number;
  statusText: string;
  headers: Record<string, string | string[] | undefined>;
}

/** What to do with a response to a request made with `Range: bytes=<offset>-` (offset 0: none). */
export type ResponsePlan =
  /** Write the body at `from` (0: the file restarts), `total` bytes in all when known. */
  | { kind: 'write'; from: number; total: number | undefined }
  /** The partial file already holds the whole image (416 with the same total). */
  | { kind: 'complete'; total: number }
  /** The server answered another range than asked: start again without one. */
  | { kind: 'restart'; reason: string };

const transientErrors = new WeakSet<object>();

/** Mark a failure as worth another attempt (a dropped connection, a server error). */
export function transient<E extends object>(e: E): E {
  transientErrors.add(e);
  return e;
}

export function isTransient(e: unknown): boolean {
  return typeof e === 'object' && e !== null && transientErrors.has(e);
}

function header(h: ResponseHead['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Content-Length as a number, undefined when absent or malformed. */
export function contentLength(h: ResponseHead['headers']): number | undefined {
  const v = header(h, 'content-length');
  return v !== undefined && /^\d+$/.test(v.trim()) ? Number(v.trim()) : undefined;
}

/** "bytes 100-199/1000" -> { start, end, total }; "bytes *\/1000" -> { total }. */
export function parseContentRange(
  v: string | undefined,
): { start?: number; end?: number; total: number | undefined } | undefined {
  if (v === undefined) return undefined;
  let m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/i.exec(v.trim());
  if (m) {
    const [start, end] = [Number(m[1]), Number(m[2])];
    if (end < start) return undefined;
    return { start, end, total: m[3] === '*' ? undefined : Number(m[3]) };
  }
  m = /^bytes \*\/(\d+)$/i.exec(v.trim());
  return m ? { total: Number(m[1]) } : undefined;
}

/** text/html or xhtml: a web page, never an image. */
export function isHtmlType(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'text/html' || type === 'application/xhtml+xml';
}

/** Does a body start like a web page (after a BOM and white space)? */
export function looksLikeHtml(head: Uint8Array): boolean {
  const text = Buffer.from(head.subarray(0, 512))
    .toString('latin1')
    .replace(/^\xef\xbb\xbf/, '');
  return /^\s*<(!doctype\b|html[\s>])/i.test(text);
}

/** Server states worth another attempt: timeouts, throttling, server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** The pause before attempt `n` (1, 2, ...): base, 2 x base, ... at most 30 s. */
export function backoffMs(n: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, n - 1), 30_000);
}

export function htmlError(url: string): OsError {
  return new OsError('E_FETCH_HTML', `GET ${url}: the server sent a web page, not an image`, {
    hint: 'the URL points at an error or download page; use the direct link to the image file',
  });
}

export function statusError(url: string, head: ResponseHead): OsError {
  const e = new OsError('E_FETCH_HTTP', `GET ${url}: ${head.status} ${head.statusText}`.trimEnd(), {
    hint:
      head.status === 404 || head.status === 410
        ? 'check the URL: the server has no such file'
        : head.status === 401 || head.status === 403
          ? 'the server refuses access: check the URL and its credentials'
          : 'the server failed; retry later or check the server',
  });
  return isRetryableStatus(head.status) ? transient(e) : e;
}

/**
 * Judge the head of a response to `GET url` asked with a Range from `offset` (0: no Range).
 * Throws E_FETCH_HTTP for an error status, E_FETCH_HTML for a web page.
 */
export function planResponse(url: string, head: ResponseHead, offset: number): ResponsePlan {
  const { status, headers } = head;
  if (status === 416 && offset > 0) {
    const cr = parseContentRange(header(headers, 'content-range'));
    if (cr?.total === offset) return { kind: 'complete', total: offset };
    return { kind: 'restart', reason: `the server has ${cr?.total ?? 'an unknown number of'} bytes` };
  }
  if (status !== 200 && status !== 206) throw statusError(url, head);
  if (isHtmlType(header(headers, 'content-type'))) throw htmlError(url);
  const length = contentLength(headers);
  if (status === 200) return { kind: 'write', from: 0, total: length };
  if (offset === 0) return { kind: 'restart', reason: 'it sent a range that was not asked for' };
  const cr = parseContentRange(header(headers, 'content-range'));
  if (cr?.start === undefined || cr.end === undefined)
    return { kind: 'restart', reason: 'its Content-Range is missing or malformed' };
  if (cr.start !== offset)
    return { kind: 'restart', reason: `it sent bytes from ${cr.start} instead of ${offset}` };
  if (length !== undefined && length !== cr.end - cr.start + 1)
    return { kind: 'restart', reason: 'its Content-Length and Content-Range disagree' };
  if (cr.total !== undefined && cr.end !== cr.total - 1)
    return { kind: 'restart', reason: 'it sent a range that stops before the end' };
  return {
    kind: 'write',
    from: offset,
    total: cr.total ?? (length === undefined ? undefined : offset + length),
  };
}
