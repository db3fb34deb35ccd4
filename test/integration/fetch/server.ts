/**
 * A small HTTP server for the fetch tests, on 127.0.0.1 and a random port: each path has a
 * handler, and every request is recorded (path, headers) so tests can assert what the client sent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void | Promise<void>;

export interface Recorded {
  path: string;
  headers: IncomingMessage['headers'];
}

export interface TestServer {
  base: string;
  /** Requests seen, in order. */
  requests: Recorded[];
  /** How many requests `path` got. */
  count(path: string): number;
  route(path: string, h: Handler): void;
  close(): Promise<void>;
}

/** Serve `data` as a file, honouring `Range: bytes=N-` (and If-Range against `etag`). */
export function serveFile(data: Buffer, o: { etag?: string; type?: string; ranges?: boolean } = {}): Handler {
  return (req, res) => {
    const headers: Record<string, string> = { 'content-type': o.type ?? 'application/octet-stream' };
    if (o.etag) headers['etag'] = o.etag;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    const rangeOk = o.ranges !== false && m && (ifRange === undefined || ifRange === o.etag);
    if (rangeOk) {
      const start = Number(m[1]);
      if (start >= data.length) {
        res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
        return;
      }
      res.writeHead(206, {
        ...headers,
        'content-length': String(data.length - start),
        'content-range': `bytes ${start}-${data.length - 1}/${data.length}`,
      });
      res.end(data.subarray(start));
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': String(data.length) });
    res.end(data);
  };
}

/** Send the headers of the whole file and `bytes` of its body, then drop the connection. */
export function dropAfter(data: Buffer, bytes: number, etag?: string): Handler {
  return (_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(data.length),
      ...(etag ? { etag } : {}),
    });
    res.write(data.subarray(0, bytes), () => {
      setTimeout(() => res.socket?.destroy(), 50);
    });
  };
}

export async function startServer(): Promise<TestServer> {
  const routes = new Map<string, Handler>();
  const requests: Recorded[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push({ path, headers: req.headers });
    const h = routes.get(path);
    if (!h) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const n = requests.filter((r) => r.path === path).length;
    Promise.resolve(h(req, res, n)).catch(() => res.socket?.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    count: (path) => requests.filter((r) => r.path === path).length,
    route: (path, h) => routes.set(path, h),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
