/**
 * Executor: one HTTP(S) GET with Node's own client, following redirects (http and https only,
 * credentials dropped when the origin changes), with an idle timeout and the run's abort signal.
 * The body is handed back unread as a stream: nothing is buffered here.
 */
import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { OsError } from '../runtime/errors.js';
import { VERSION } from '../version.js';
import { transient, type ResponseHead } from './response.js';
import { basicAuth, parseHttpUrl, redactUrl } from './url.js';

export interface GetOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** Fail after this long without any data on the connection. */
  timeoutMs: number;
}

export interface GetResult {
  /** The URL that answered (after redirects). */
  url: URL;
  head: ResponseHead;
  body: IncomingMessage;
}

const MAX_REDIRECTS = 10;

const seconds = (ms: number): string =>
  ms < 10_000 ? (ms / 1000).toFixed(1) : String(Math.round(ms / 1000));
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export function interrupted(url: URL): OsError {
  return new OsError('E_INTERRUPTED', `GET ${redactUrl(url)}: the run was aborted`);
}

/** A failure of the connection itself: worth another attempt unless it is about certificates. */
function networkError(url: URL, e: unknown): OsError {
  const err = e as NodeJS.ErrnoException;
  const what = err.code
    ? `${err.code}${err.message.includes(err.code) ? '' : ` (${err.message})`}`
    : err.message;
  const tls = /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS|ERR_SSL/.test(err.code ?? '');
  const out = new OsError('E_FETCH', `GET ${redactUrl(url)}: ${what}`, {
    hint: tls
      ? 'the server certificate is not trusted by this node'
      : 'check that the server is reachable from this node',
    cause: e,
  });
  return tls ? out : transient(out);
}

function once(url: URL, auth: string | undefined, o: GetOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) {
      reject(interrupted(url));
      return;
    }
    const headers: Record<string, string> = {
      'user-agent': `ganeti-os/${VERSION}`,
      'accept-encoding': 'identity',
      ...o.headers,
    };
    if (auth) headers['authorization'] = auth;
    const u = new URL(url.href);
    u.username = '';
    u.password = '';
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, {
      method: 'GET',
      headers,
      agent: false,
      signal: o.signal,
    });
    req.setTimeout(o.timeoutMs, () => {
      req.destroy(
        transient(
          new OsError('E_FETCH', `GET ${redactUrl(url)}: no data for ${seconds(o.timeoutMs)} s`, {
            hint: 'the server or the network stalled; retry later',
          }),
        ),
      );
    });
    req.on('response', resolve);
    req.on('error', (e) => {
      if (o.signal?.aborted) reject(interrupted(url));
      else if (e instanceof OsError) reject(e);
      else reject(networkError(url, e));
    });
    req.end();
  });
}

/** GET `url`, following redirects; the caller reads or destroys the body. */
export async function httpGet(url: URL, o: GetOptions): Promise<GetResult> {
  let current = url;
  let auth = basicAuth(url);
  for (let hop = 0; ; hop++) {
    const res = await once(current, auth, o);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (!REDIRECTS.has(status) || location === undefined) {
      return {
        url: current,
        head: { status, statusText: res.statusMessage ?? '', headers: res.headers },
        body: res,
      };
    }
    res.resume(); // drain and drop the redirect's body
    if (hop >= MAX_REDIRECTS) {
      throw new OsError('E_FETCH_HTTP', `GET ${redactUrl(url)}: more than ${MAX_REDIRECTS} redirects`, {
        hint: 'the server redirects in a loop; use the final URL of the image',
      });
    }
    const next = parseHttpUrl(location, current.href);
    if (next.origin !== current.origin) auth = basicAuth(next);
    current = next;
  }
}
