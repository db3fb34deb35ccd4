/**
 * Pure URL handling: only http(s) sources, their file name (the key into a SHA256SUMS file),
 * relative sums URLs, and the form of a URL that may be shown (credentials masked).
 */
import { OsError } from '../runtime/errors.js';

/** The URL with any user:password@ replaced by ***@, for logs, messages and sidecars. */
export function redactUrl(url: string | URL): string {
  const text = typeof url === 'string' ? url : url.href;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    // Not parseable: mask anything that looks like userinfo.
    return text.replace(/\/\/[^/@\s]*@/g, '//***@');
  }
  if (!u.username && !u.password) return u.href;
  u.username = '';
  u.password = '';
  return u.href.replace(/^([a-z][a-z0-9+.-]*:\/\/)/i, '$1***@');
}

/** Parse an image, sums or signature URL (relative ones against `base`); http and https only. */
export function parseHttpUrl(text: string, base?: string): URL {
  let u: URL;
  try {
    u = base === undefined ? new URL(text) : new URL(text, base);
  } catch {
    throw new OsError('E_FETCH_URL', `${redactUrl(text)} is not a valid URL`, {
      hint: 'give a full http:// or https:// URL',
    });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new OsError('E_FETCH_URL', `${redactUrl(u)}: only http:// and https:// URLs can be fetched`, {
      hint: 'serve the image over http(s), or put it in the image directory and name the file',
    });
  }
  return u;
}

/** The decoded last path segment ("debian-12.qcow2"), never empty, never "." or "..". */
export function urlFileName(u: URL): string {
  const seg = u.pathname.split('/').pop() ?? '';
  let name: string;
  try {
    name = decodeURIComponent(seg);
  } catch {
    name = seg;
  }
  if (!name || name === '.' || name === '..' || name.includes('/')) {
    throw new OsError('E_FETCH_URL', `${redactUrl(u)} does not name a file`, {
      hint: 'the URL must end with the image file name',
    });
  }
  return name;
}

/** Basic credentials of a URL, for an Authorization header (a URL with them cannot be requested as is). */
export function basicAuth(u: URL): string | undefined {
  if (!u.username && !u.password) return undefined;
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}
