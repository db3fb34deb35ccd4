import { describe, expect, it } from 'vitest';
import { basicAuth, parseHttpUrl, redactUrl, urlFileName } from './url.js';

describe('image URLs', () => {
  it('masks credentials', () => {
    expect(redactUrl('https://user:secret@example.org/a/b.img?x=1')).toBe(
      'https://***@example.org/a/b.img?x=1',
    );
    expect(redactUrl('https://example.org/b.img')).toBe('https://example.org/b.img');
    expect(redactUrl('not a url://user:pw@host/x')).not.toContain('pw');
    expect(redactUrl(new URL('http://u@h/x'))).toBe('http://***@h/x');
  });

  it('accepts http and https only, relative ones against a base', () => {
    expect(parseHttpUrl('http://127.0.0.1:8080/x.img').port).toBe('8080');
    expect(parseHttpUrl('SHA256SUMS', 'https://example.org/images/x.img').href).toBe(
      'https://example.org/images/SHA256SUMS',
    );
    for (const bad of ['file:///etc/shadow', 'ftp://example.org/x', '/srv/x.img', 'x.img'])
      expect(() => parseHttpUrl(bad)).toThrow(/E_FETCH_URL|only http|not a valid URL/);
    expect(() => parseHttpUrl('file:///etc/passwd', 'https://example.org/')).toThrow(/only http/);
  });

  it('takes the decoded file name, and refuses a URL without one', () => {
    expect(urlFileName(new URL('https://h/a/debian%2012.qcow2?x=y'))).toBe('debian 12.qcow2');
    expect(() => urlFileName(new URL('https://h/a/'))).toThrow(/does not name a file/);
    expect(() => urlFileName(new URL('https://h/a/..%2Fb'))).toThrow(/does not name a file/);
  });

  it('builds basic credentials', () => {
    expect(basicAuth(new URL('http://us%40r:p%3Ass@h/'))).toBe(
      `Basic ${Buffer.from('us@r:p:ss').toString('base64')}`,
    );
    expect(basicAuth(new URL('http://h/'))).toBeUndefined();
  });
});
