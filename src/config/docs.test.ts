import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { debootstrapSchema } from '../../providers/debootstrap/schema.js';
import { packageRoot } from './paths.js';
import { schemaDocs } from './schema.js';

/** Table cells, whitespace-insensitive (the README may be reformatted), separator row dropped. */
const cells = (table: string): string[][] =>
  table
    .trim()
    .split('\n')
    .filter((l) => !/^\|[\s|:-]+\|$/.test(l))
    .map((l) => l.split(/(?<!\\)\|/).map((c) => c.trim()));

describe('variants/README.md', () => {
  it('carries the current debootstrap key table (regenerate it from schemaDocs when this fails)', () => {
    const readme = readFileSync(path.join(packageRoot(), 'variants/README.md'), 'utf8');
    const table =
      /<!-- BEGIN debootstrap keys -->\n([\s\S]*?)\n<!-- END debootstrap keys -->/.exec(readme)?.[1] ?? '';
    expect(cells(table)).toEqual(cells(schemaDocs(debootstrapSchema)));
  });
});
