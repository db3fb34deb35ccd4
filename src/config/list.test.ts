import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatVariantList } from './format.js';
import { listVariants, orderVariants, publishedVariantNames, type VariantSummary } from './list.js';

let root: string;
let admin: string;
let shipped: string;
const opts = () => ({ configRoot: path.join(root, 'etc/ganeti'), shippedDir: shipped });

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'gos-list-'));
  admin = path.join(root, 'etc/ganeti/instance-debootstrap/variants');
  shipped = path.join(root, 'share');
  mkdirSync(admin, { recursive: true });
  mkdirSync(shipped, { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const v = (name: string, extra: Partial<VariantSummary> = {}): VariantSummary => ({
  name,
  file: `/x/${name}.yaml`,
  source: 'shipped',
  published: true,
  isDefault: false,
  description: '',
  ...extra,
});

describe('default variant and order', () => {
  it('default: true wins, then "default", then the first name in C order', () => {
    expect(orderVariants([v('b'), v('default'), v('a', { isDefault: true })]).map((x) => x.name)).toEqual([
      'a',
      'b',
      'default',
    ]);
    expect(orderVariants([v('b'), v('default'), v('a')]).map((x) => x.name)).toEqual(['default', 'a', 'b']);
    expect(orderVariants([v('b'), v('B'), v('a')]).map((x) => x.name)).toEqual(['B', 'a', 'b']);
  });
  it('unpublished variants are never the default and come last', () => {
    const out = orderVariants([
      v('default', { published: false }),
      v('z'),
      v('base', { published: false, isDefault: true }),
    ]);
    expect(out.map((x) => [x.name, x.isDefault])).toEqual([
      ['z', true],
      ['base', false],
      ['default', false],
    ]);
  });
  it('two default: true files are an error naming both', () => {
    expect(() => orderVariants([v('a', { isDefault: true }), v('b', { isDefault: true })])).toThrow(
      /\/x\/a\.yaml, \/x\/b\.yaml/,
    );
  });
});

describe('listVariants', () => {
  it('lists admin and shipped files (admin wins), publish: false hidden from variants.list', async () => {
    writeFileSync(path.join(shipped, 'bookworm.yaml'), 'description: shipped\n');
    writeFileSync(path.join(shipped, 'base.yaml'), 'publish: false\n');
    writeFileSync(path.join(admin, 'bookworm.yaml'), 'description: mine\n');
    writeFileSync(path.join(admin, 'zz.yaml'), 'default: true\n');
    writeFileSync(path.join(admin, 'old.conf'), 'SUITE=buster\n');
    writeFileSync(path.join(admin, 'bad name.yaml'), '');
    const list = await listVariants('debootstrap', opts());
    expect(list.map((x) => [x.name, x.source, x.published, x.isDefault])).toEqual([
      ['zz', 'admin', true, true],
      ['bookworm', 'admin', true, false],
      ['base', 'shipped', false, false],
    ]);
    expect(list[1]!.description).toBe('mine');
    expect(await publishedVariantNames('debootstrap', opts())).toEqual(['zz', 'bookworm']);
    expect(await publishedVariantNames('debootstrap', { ...opts(), legacy: true })).toEqual([
      'zz',
      'bookworm',
      'old',
    ]);
    expect(formatVariantList(list)).toMatch(/^zz {8}\(default, admin\)\nbookworm {2}\(admin\) {2}mine\n$/);
    expect(JSON.parse(formatVariantList(list, { json: true, all: true }))).toHaveLength(3);
  });
  it('a broken file is still listed, with its error', async () => {
    writeFileSync(path.join(admin, 'broken.yaml'), 'a: [\n');
    const [b] = await listVariants('debootstrap', opts());
    expect(b!.error).toMatch(/broken\.yaml:\d+: YAML syntax error/);
  });
});

describe('a configuration file alone makes a variant (configExtension)', () => {
  const scm = () => ({ ...opts(), configExtension: '.scm' });
  const guixAdmin = () => path.join(root, 'etc/ganeti/instance-guix/variants');
  beforeEach(() => mkdirSync(guixAdmin(), { recursive: true }));

  it('lists <name>.scm of either directory, a YAML file of the same name winning', async () => {
    writeFileSync(path.join(guixAdmin(), 'desk.scm'), '(operating-system)\n');
    writeFileSync(path.join(shipped, 'default.scm'), '(operating-system)\n');
    writeFileSync(path.join(shipped, 'server.scm'), '(operating-system)\n');
    writeFileSync(path.join(shipped, 'server.yaml'), 'description: a server\n');
    writeFileSync(path.join(shipped, 'bad name.scm'), '');
    const list = await listVariants('guix', scm());
    expect(list.map((x) => [x.name, x.source, x.isDefault, path.basename(x.file)])).toEqual([
      ['default', 'shipped', true, 'default.scm'],
      ['desk', 'admin', false, 'desk.scm'],
      ['server', 'shipped', false, 'server.yaml'],
    ]);
  });

  it('without configExtension a .scm file is no variant (other providers are unchanged)', async () => {
    writeFileSync(path.join(guixAdmin(), 'desk.scm'), '(operating-system)\n');
    expect(await publishedVariantNames('guix', opts())).toEqual([]);
  });

  it('resolves to the defaults, naming the configuration file it read', async () => {
    const { defineSchema } = await import('./schema.js');
    const { resolveVariant } = await import('./resolve.js');
    const schema = defineSchema('guix', [
      { name: 'layout', type: 'string', default: 'plain', description: 'x' },
    ]);
    writeFileSync(path.join(guixAdmin(), 'desk.scm'), '(operating-system)\n');
    const r = await resolveVariant('guix', 'desk', schema, scm());
    expect(r).toMatchObject({ name: 'desk', source: 'admin', files: [path.join(guixAdmin(), 'desk.scm')] });
    expect(r.values.layout).toBe('plain');
    await expect(resolveVariant('guix', 'nope', schema, scm())).rejects.toThrow(/nope\.yaml or nope\.scm/);
    await expect(resolveVariant('guix', 'desk', schema, opts())).rejects.toThrow(/not found/);
  });
});
