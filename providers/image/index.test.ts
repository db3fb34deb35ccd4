import { describe, expect, it, vi } from 'vitest';

// Ganeti runs `verify` before every add: the provider's module must load without the tool runner.
vi.mock('execa', () => {
  throw new Error('execa was loaded by the provider module');
});

describe('the image provider module', () => {
  it('loads without execa, and declares its parameters, variant schema and lazy operations', async () => {
    const { default: p } = await import('./index.js');
    expect(p.name).toBe('image');
    expect(Object.keys(p.params)).toEqual(expect.arrayContaining(['image', 'filesystem', 'root-password']));
    expect(p.variantConfig?.schema.byName.has('source')).toBe(true);
    expect(typeof p.create).toBe('function');
    expect(typeof p.export).toBe('function');
  });
});
