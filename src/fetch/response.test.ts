import { describe, expect, it } from 'vitest';
import { isOsError } from '../runtime/errors.js';
import {
  backoffMs,
  isTransient,
  looksLikeHtml,
  parseContentRange,
  planResponse,
  type ResponseHead,
} from './response.js';

const head = (status: number, headers: ResponseHead['headers'] = {}, statusText = 'OK'): ResponseHead => ({
  status,
  statusText,
  headers,
});

function failure(f: () => unknown): { code: string; message: string; transient: boolean } {
  try {
    f();
  } catch (e) {
    if (isOsError(e)) return { code: e.code, message: e.message, transient: isTransient(e) };
  }
  throw new Error('no OsError');
}

describe('planResponse', () => {
  const url = 'http://h/x.img';

  it('writes a 200 from the start, a matching 206 from the offset', () => {
    expect(planResponse(url, head(200, { 'content-length': '1000' }), 0)).toEqual({
      kind: 'write',
      from: 0,
      total: 1000,
    });
    expect(planResponse(url, head(200, { 'content-length': '1000' }), 400)).toMatchObject({ from: 0 });
    expect(
      planResponse(url, head(206, { 'content-length': '600', 'content-range': 'bytes 400-999/1000' }), 400),
    ).toEqual({ kind: 'write', from: 400, total: 1000 });
  });

  it('restarts on a 206 with another range, and accepts a 416 that says the file is complete', () => {
    for (const cr of ['bytes 0-999/1000', 'bytes 400-899/1000', 'garbage', undefined])
      expect(planResponse(url, head(206, { 'content-range': cr }), 400).kind).toBe('restart');
    expect(planResponse(url, head(416, { 'content-range': 'bytes */1000' }), 1000)).toEqual({
      kind: 'complete',
      total: 1000,
    });
    expect(planResponse(url, head(416, { 'content-range': 'bytes */900' }), 1000).kind).toBe('restart');
  });

  it('refuses error statuses (server errors may be retried) and web pages', () => {
    expect(failure(() => planResponse(url, head(404, {}, 'Not Found'), 0))).toEqual({
      code: 'E_FETCH_HTTP',
      message: 'GET http://h/x.img: 404 Not Found',
      transient: false,
    });
    expect(failure(() => planResponse(url, head(500, {}, 'Internal Server Error'), 0))).toMatchObject({
      code: 'E_FETCH_HTTP',
      transient: true,
    });
    expect(
      failure(() => planResponse(url, head(200, { 'content-type': 'text/html; charset=utf-8' }), 0)),
    ).toMatchObject({ code: 'E_FETCH_HTML', transient: false });
  });

  it('recognises a body that is a web page', () => {
    expect(looksLikeHtml(Buffer.from('\ufeff  <!DOCTYPE html><html>'))).toBe(true);
    expect(looksLikeHtml(Buffer.from('<HTML>\n<body>'))).toBe(true);
    expect(looksLikeHtml(Buffer.from('QFI\xfb\0\0\0\x03', 'latin1'))).toBe(false);
    expect(looksLikeHtml(Buffer.from('<htmlx'))).toBe(false);
  });

  it('parses Content-Range and backs off exponentially up to 30 s', () => {
    expect(parseContentRange('bytes 5-9/10')).toEqual({ start: 5, end: 9, total: 10 });
    expect(parseContentRange('bytes 5-9/*')).toEqual({ start: 5, end: 9, total: undefined });
    expect(parseContentRange('bytes 9-5/10')).toBeUndefined();
    expect([1, 2, 3, 10].map((n) => backoffMs(n, 1000))).toEqual([1000, 2000, 4000, 30_000]);
  });
});
