import { describe, expect, it } from 'vitest';
import { checkVariantName, splitOsName, variantNameProblem } from './names.js';

describe('variant names', () => {
  it('accepts names Ganeti can carry, including +', () => {
    for (const n of ['default', 'testing+contrib+paravirtualized', 'bookworm_1.2-x'])
      expect(variantNameProblem(n)).toBeUndefined();
  });
  it('refuses names that could leave the variants directory', () => {
    expect(variantNameProblem('a/b')).toMatch(/"\/"/);
    expect(variantNameProblem('..')).toMatch(/"\.\."/);
    expect(variantNameProblem('a..b')).toMatch(/"\.\."/);
    expect(variantNameProblem('.hidden')).toMatch(/starts with/);
    expect(variantNameProblem('sp ace')).toMatch(/outside/);
    expect(variantNameProblem('')).toMatch(/empty/);
    expect(() => checkVariantName('../etc/passwd', 'x.yaml:3: extend')).toThrow(
      /^x\.yaml:3: extend: invalid variant name "\.\.\/etc\/passwd"/,
    );
  });
  it('splits at the first + like Ganeti', () => {
    expect(splitOsName('debootstrap+testing+contrib')).toEqual({
      os: 'debootstrap',
      variant: 'testing+contrib',
    });
    expect(splitOsName('noop')).toEqual({ os: 'noop', variant: '' });
  });
});
