import { describe, expect, it } from 'vitest';
import { gpgStatusVerdict } from './signature.js';

const s = (...lines: string[]) => lines.map((l) => `[GNUPG:] ${l}`).join('\n') + '\n';

describe('gpgStatusVerdict', () => {
  it('accepts a good, valid signature', () => {
    expect(
      gpgStatusVerdict(
        s(
          'NEWSIG',
          'KEY_CONSIDERED ABCD 0',
          'SIG_ID x 2024-01-01 1',
          'GOODSIG 1234 Test <t@e>',
          'VALIDSIG ABCD 2024-01-01',
        ),
      ),
    ).toBeUndefined();
  });

  it('refuses bad, unknown-key, expired and embedded-data signatures', () => {
    expect(gpgStatusVerdict(s('NEWSIG', 'BADSIG 1234 Test <t@e>'))).toBe('BAD signature from Test <t@e>');
    expect(gpgStatusVerdict(s('ERRSIG 1234 1 8 00 1700000000 9 -', 'NO_PUBKEY 1234'))).toBe(
      'no public key 1234 in the keyring',
    );
    expect(gpgStatusVerdict(s('EXPKEYSIG 1234 T', 'VALIDSIG ABCD'))).toBe('the signing key has expired');
    expect(gpgStatusVerdict(s('PLAINTEXT 62 0', 'GOODSIG 1234 T', 'VALIDSIG ABCD'))).toMatch(
      /not a detached/,
    );
    expect(gpgStatusVerdict('')).toBe('no good signature');
  });
});
