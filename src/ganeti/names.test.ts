import { describe, expect, it } from 'vitest';
import {
  checkOsName,
  checkVariantName,
  OS_NAME,
  PARAM_NAME,
  splitOsName,
  variantNameProblem,
} from './names.js';
import { ospKey, ospParams, ospVariables } from './osp.js';

describe('variant names', () => {
  it('accepts names Ganeti can carry, including +', () => {
    for (const n of ['default', 'testing+contrib+paravirtualized', 'bookworm_1.2-x', '_base', '12'])
      expect(variantNameProblem(n)).toBeUndefined();
  });
  it('refuses names that could leave the variants directory', () => {
    expect(variantNameProblem('a/b')).toMatch(/"\/"/);
    expect(variantNameProblem('..')).toMatch(/"\.\."/);
    expect(variantNameProblem('../x')).toMatch(/"\/"/);
    expect(variantNameProblem('a..b')).toMatch(/"\.\."/);
    expect(variantNameProblem('.hidden')).toMatch(/starts with "\."/);
    expect(variantNameProblem('sp ace')).toMatch(/outside/);
    expect(variantNameProblem('')).toMatch(/empty/);
    expect(() => checkVariantName('../etc/passwd', 'x.yaml:3: extend')).toThrow(
      /^x\.yaml:3: extend: invalid variant name "\.\.\/etc\/passwd"/,
    );
  });
  it('refuses names that read as options or as an empty variant after +', () => {
    expect(variantNameProblem('-rf')).toMatch(/starts with "-"/);
    expect(variantNameProblem('+x')).toMatch(/starts with "\+"/);
    expect(variantNameProblem('x'.repeat(201))).toMatch(/longer than 200/);
  });
  it('splits at the first + like Ganeti', () => {
    expect(splitOsName('debootstrap+testing+contrib')).toEqual({
      os: 'debootstrap',
      variant: 'testing+contrib',
    });
    expect(splitOsName('noop')).toEqual({ os: 'noop', variant: '' });
  });
});

describe('OS and parameter names', () => {
  it('OS names: letters, digits, _ and -', () => {
    for (const n of ['noop', 'deb_2', 'my-os']) expect(OS_NAME.test(n)).toBe(true);
    for (const n of ['my.os', 'a+b', '', 'a/b']) expect(() => checkOsName(n)).toThrow(/is not valid/);
  });
  it('parameter names: lower case, starting with a letter', () => {
    for (const n of ['filesystem', 'dns-server', 'a_1']) expect(PARAM_NAME.test(n)).toBe(true);
    for (const n of ['Bad', '1x', 'a b', '-x', '']) expect(PARAM_NAME.test(n)).toBe(false);
  });
});

describe('OSP_ variables', () => {
  it('maps parameter names to OSP_ keys like Ganeti (dash to underscore)', () => {
    expect(ospKey('os-image')).toBe('OS_IMAGE');
    expect(ospKey('dns-server')).toBe('DNS_SERVER');
  });
  it('reads non-empty OSP_* values and renders them back', () => {
    const params = ospParams({ OSP_DNS_SERVER: '192.0.2.1', OSP_EMPTY: '', OS_NAME: 'x', OSP_X: undefined });
    expect(params).toEqual({ DNS_SERVER: '192.0.2.1' });
    expect(ospVariables(params)).toEqual({ OSP_DNS_SERVER: '192.0.2.1' });
  });
});
