import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  errorLines,
  isOsError,
  OsError,
  OsErrors,
  toOsError,
  type CustomErrorCode,
  type ErrorCode,
} from './errors.js';

describe('OsError', () => {
  it('prints one line with code, message and hint', () => {
    const e = new OsError('E_DISK_TOO_SMALL', 'disk 0 is 10 MiB\nneeds 20 MiB', { hint: 'grow it' });
    expect(e.oneLine()).toBe('error[E_DISK_TOO_SMALL]: disk 0 is 10 MiB; needs 20 MiB (hint: grow it)');
    expect(e.exitCode).toBe(1);
    expect(isOsError(e)).toBe(true);
    expect(isOsError(new Error('x'))).toBe(false);
  });

  it('takes the open E_X_ family for codes of providers written outside ganeti-os', () => {
    const e = new OsError('E_X_LICENSE_MISSING', 'no license key');
    expect(e.oneLine()).toBe('error[E_X_LICENSE_MISSING]: no license key');
  });

  it('rejects unknown and misspelled codes at compile time', () => {
    expectTypeOf<'E_DISK_TOO_SMALL'>().toExtend<ErrorCode>();
    expectTypeOf<'E_X_MY_CODE'>().toExtend<CustomErrorCode>();
    expectTypeOf<'E_DISK_TO_SMALL'>().not.toExtend<ErrorCode>();
    expectTypeOf<'E_X_lower'>().not.toExtend<ErrorCode>();
    expectTypeOf<string>().not.toExtend<ErrorCode>();
    // @ts-expect-error a misspelled built-in code
    new OsError('E_DISK_TO_SMALL', 'x');
    const code: ErrorCode = new OsError('E_USAGE', 'x').code;
    // @ts-expect-error a comparison with a code that does not exist
    expect(code === 'E_USAGES').toBe(false);
  });

  it('wraps anything else as E_INTERNAL', () => {
    expect(toOsError(new Error('boom')).code).toBe('E_INTERNAL');
    expect(toOsError('boom').oneLine()).toBe('error[E_INTERNAL]: boom (hint: this is a bug in ganeti-os)');
  });

  it('reports several problems one line each, the summary last', () => {
    const all = new OsErrors(
      [new OsError('E_VARIANT_KEY', 'a'), new OsError('E_VARIANT_VALUE', 'b')],
      'fix them',
    );
    expect(all.code).toBe('E_VARIANT_KEY');
    expect(errorLines(all).lines).toEqual([
      'error[E_VARIANT_KEY]: a',
      'error[E_VARIANT_VALUE]: b',
      'error[E_VARIANT_KEY]: 2 problems: a; b (hint: fix them)',
    ]);
    expect(new OsErrors([]).code).toBe('E_INVALID');
  });
});
