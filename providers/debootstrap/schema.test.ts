import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultsOf, schemaDocs } from 'ganeti-os/sdk';
import { describe, expect, it } from 'vitest';
import { debootstrapSchema } from './schema.js';

/** Table cells, whitespace-insensitive (the README may be reformatted), separator row dropped. */
const cells = (table: string): string[][] =>
  table
    .trim()
    .split('\n')
    .filter((l) => !/^\|[\s|:-]+\|$/.test(l))
    .map((l) => l.split(/(?<!\\)\|/).map((c) => c.trim()));

describe('variants/README.md', () => {
  it('carries the current debootstrap key table (regenerate it from schemaDocs when this fails)', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../variants/README.md'), 'utf8');
    const table =
      /<!-- BEGIN debootstrap keys -->\n([\s\S]*?)\n<!-- END debootstrap keys -->/.exec(readme)?.[1] ?? '';
    expect(cells(table)).toEqual(cells(schemaDocs(debootstrapSchema)));
  });
});

describe('debootstrap variant keys', () => {
  it('debootstrap defaults give Debian stable on msdos/ext4 with grub', () => {
    const d = defaultsOf(debootstrapSchema);
    expect(d).toMatchObject({
      suite: 'bookworm',
      mirror: 'http://deb.debian.org/debian',
      components: ['main'],
      kernel: 'linux-image-amd64',
      bootloader: 'grub',
      'serial-console': 'auto',
      'partition-style': 'msdos',
      filesystem: 'ext4',
      publish: true,
      default: false,
      extend: '',
    });
    expect(schemaDocs(debootstrapSchema)).toContain('| `extra-pkgs` | list |');
  });
});
