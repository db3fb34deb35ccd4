import { describe, expect, it } from 'vitest';
import { param } from '../sdk/params.js';
import { renderApiVersion, renderOsDir, renderParametersList, renderVariantsList } from './render.js';

const manifest = { provider: 'x', configDir: '/etc/ganeti/instance-x', shareDir: '/s', cacheDir: '/c', version: '1' };

describe('OS directory rendering', () => {
  it('writes API versions newest first, no blank lines', () => {
    expect(renderApiVersion([10, 20, 15])).toBe('20\n15\n10\n');
    expect(() => renderApiVersion([5])).toThrow(/no supported API version/);
  });

  it('writes `name description` on every parameters.list line', () => {
    const text = renderParametersList({
      filesystem: param.enum(['ext4'], { description: 'root  filesystem\ntype', default: 'ext4' }),
      'dns-server': param.string({ description: 'resolver' }),
    });
    expect(text).toBe('filesystem root filesystem type\ndns-server resolver\n');
    for (const line of text.trimEnd().split('\n')) expect(line.split(/\s+/, 2)).toHaveLength(2);
    expect(() => renderParametersList({ 'Bad Name': param.string({ description: 'x' }) })).toThrow(/not valid/);
    expect(() => renderParametersList({ ok: param.string({ description: '  ' }) })).toThrow(/no description/);
  });

  it('validates variant names', () => {
    expect(renderVariantsList(['default', 'testing+contrib+paravirtualized'])).toBe('default\ntesting+contrib+paravirtualized\n');
    for (const bad of ['a/b', '..', '../x', '.hidden', 'a b']) expect(() => renderVariantsList([bad])).toThrow(/not valid/);
  });

  it('renders only what the declared API needs', () => {
    const api20 = renderOsDir({ name: 'x', apiVersions: [20, 15, 10], params: {}, variants: [], manifest });
    expect(api20.files.map((f) => f.name)).toEqual(['ganeti_api_version', 'variants.list', 'parameters.list', 'ganeti-os.json']);
    expect(api20.scripts).toEqual(['create', 'import', 'export', 'rename', 'verify']);
    const api10 = renderOsDir({ name: 'x', apiVersions: [10], params: {}, variants: [], manifest });
    expect(api10.files.map((f) => f.name)).toEqual(['ganeti_api_version', 'ganeti-os.json']);
    expect(() => renderOsDir({ name: 'my.os', apiVersions: [20], params: {}, variants: [], manifest })).toThrow(/not valid/);
  });
});
