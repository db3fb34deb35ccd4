import { mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { debootstrapSchema } from '../../providers/debootstrap/schema.js';
import { isOsError, OsErrors } from '../../src/runtime/errors.js';
import { formatVariantShow } from '../../src/config/format.js';
import { resolveVariant } from '../../src/config/resolve.js';

let root: string;
let admin: string;
let shipped: string;
const opts = () => ({ configRoot: path.join(root, 'etc/ganeti'), shippedDir: shipped });
const write = (dir: string, name: string, text: string) => writeFileSync(path.join(dir, name), text);

async function failure(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (e) {
    if (!isOsError(e)) throw e;
    return e instanceof OsErrors
      ? e.problems.map((x) => `${x.code} ${x.message}`)
      : [`${e.code} ${e.message}`];
  }
  throw new Error('expected a failure');
}

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'gos-resolve-'));
  admin = path.join(root, 'etc/ganeti/instance-debootstrap/variants');
  shipped = path.join(root, 'share/variants/debootstrap');
  mkdirSync(admin, { recursive: true });
  mkdirSync(shipped, { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('resolveVariant', () => {
  it('merges the file over the defaults and records provenance', async () => {
    write(shipped, 'bookworm.yaml', 'description: twelve\nsuite: bookworm\nswap: 1G\n');
    const r = await resolveVariant('debootstrap', 'bookworm', debootstrapSchema, opts());
    expect(r.values['suite']).toBe('bookworm');
    expect(r.values['swap']).toBe(1024);
    expect(r.values['filesystem']).toBe('ext4');
    expect(r.provenance['swap']).toEqual({ file: path.join(shipped, 'bookworm.yaml'), line: 3 });
    expect(r.provenance['filesystem']).toBe('default');
    expect(r.files).toEqual([path.join(shipped, 'bookworm.yaml')]);
    expect(r.source).toBe('shipped');
    expect(formatVariantShow(r, debootstrapSchema)).toMatch(/swap\s+1024\s+\[.*bookworm\.yaml:3\]/);
  });

  it('extend: child keys win, lists are replaced or edited, meta keys are not inherited', async () => {
    write(
      shipped,
      'base.yaml',
      'publish: false\ndescription: base\nsuite: trixie\ncomponents: [main, contrib]\nextra-pkgs: [aa, bb, cc]\n',
    );
    write(
      admin,
      'child.yaml',
      'extend: base\ncomponents: [main]\nextra-pkgs:\n  remove: [bb]\n  prepend: [zz]\n  append: [dd]\n',
    );
    const r = await resolveVariant('debootstrap', 'child', debootstrapSchema, opts());
    expect(r.values['suite']).toBe('trixie');
    expect(r.values['components']).toEqual(['main']);
    expect(r.values['extra-pkgs']).toEqual(['zz', 'aa', 'cc', 'dd']);
    expect(r.values['publish']).toBe(true);
    expect(r.values['description']).toBe('');
    expect(r.values['extend']).toBe('base');
    expect(r.provenance['suite']).toEqual({ file: path.join(shipped, 'base.yaml'), line: 3 });
    expect(r.provenance['extra-pkgs']).toEqual({ file: path.join(admin, 'child.yaml'), line: 3 });
    expect(r.files).toEqual([path.join(admin, 'child.yaml'), path.join(shipped, 'base.yaml')]);
  });

  it('list edits apply to the default when no parent sets the key', async () => {
    write(admin, 'v.yaml', 'extra-pkgs: {append: [htop]}\n');
    const r = await resolveVariant('debootstrap', 'v', debootstrapSchema, opts());
    expect(r.values['extra-pkgs']).toEqual(['acpi-support-base', 'openssh-server', 'htop']);
  });

  it("the admin's file wins; extending its own name builds on the shipped file", async () => {
    write(shipped, 'bookworm.yaml', 'suite: bookworm\nfilesystem: xfs\n');
    write(admin, 'bookworm.yaml', 'extend: bookworm\nmirror: http://mirror.example/debian\n');
    const r = await resolveVariant('debootstrap', 'bookworm', debootstrapSchema, opts());
    expect(r.source).toBe('admin');
    expect(r.values['mirror']).toBe('http://mirror.example/debian');
    expect(r.values['filesystem']).toBe('xfs');
  });

  it('resolves relative hook paths against the file that set them', async () => {
    write(shipped, 'v.yaml', 'hooks: ../../hooks/variants/v\n');
    const r = await resolveVariant('debootstrap', 'v', debootstrapSchema, opts());
    expect(r.values['hooks']).toEqual([path.join(root, 'share/hooks/variants/v')]);
  });

  it('a YAML syntax error names file and line', async () => {
    write(admin, 'bad.yaml', 'suite: bookworm\ncomponents: [main\nfilesystem: ext4\n');
    const [msg] = await failure(resolveVariant('debootstrap', 'bad', debootstrapSchema, opts()));
    expect(msg).toMatch(
      new RegExp(`^E_VARIANT_SYNTAX ${path.join(admin, 'bad.yaml')}:\\d+: YAML syntax error`),
    );
  });

  it('duplicate keys are syntax errors', async () => {
    write(admin, 'dup.yaml', 'suite: a\nsuite: b\n');
    const [msg] = await failure(resolveVariant('debootstrap', 'dup', debootstrapSchema, opts()));
    expect(msg).toMatch(/dup\.yaml:2: YAML syntax error: Map keys must be unique/);
  });

  it('unknown keys and bad values name file, line and key, all at once', async () => {
    write(admin, 'v.yaml', 'suite: bookworm\nextra_pkgs: [aa]\nswap: lots\npublish: no\n');
    const msgs = await failure(resolveVariant('debootstrap', 'v', debootstrapSchema, opts()));
    const f = path.join(admin, 'v.yaml');
    expect(msgs).toEqual([
      `E_VARIANT_KEY ${f}:2: unknown key "extra_pkgs" (did you mean "extra-pkgs"?)`,
      `E_VARIANT_VALUE ${f}:3: key "swap": expected a size in MiB (e.g. 512, 512M, 2G) >= 1 or "none", got "lots"`,
      `E_VARIANT_VALUE ${f}:4: key "publish": expected true or false, got "no"`,
    ]);
  });

  it('an extend cycle shows the chain', async () => {
    write(admin, 'a.yaml', 'extend: b\n');
    write(admin, 'b.yaml', 'extend: c\n');
    write(admin, 'c.yaml', 'extend: a\n');
    const [msg] = await failure(resolveVariant('debootstrap', 'a', debootstrapSchema, opts()));
    expect(msg).toBe(
      `E_VARIANT_CYCLE extend cycle: a (${admin}/a.yaml) -> b (${admin}/b.yaml) -> c (${admin}/c.yaml) -> a (${admin}/a.yaml)`,
    );
  });

  it('a missing parent names the file and line of extend', async () => {
    write(admin, 'a.yaml', 'suite: x\nextend: nothere\n');
    const [msg] = await failure(resolveVariant('debootstrap', 'a', debootstrapSchema, opts()));
    expect(msg).toMatch(
      new RegExp(`^E_VARIANT_PARENT ${admin}/a\\.yaml:2: extend: variant "nothere" not found`),
    );
  });

  it('refuses variant names with / or .. and unsafe extend targets', async () => {
    expect(await failure(resolveVariant('debootstrap', '../x', debootstrapSchema, opts()))).toEqual([
      'E_VARIANT_NAME invalid variant name "../x": it contains "/"',
    ]);
    expect(await failure(resolveVariant('debootstrap', 'a..b', debootstrapSchema, opts()))).toEqual([
      'E_VARIANT_NAME invalid variant name "a..b": it contains ".."',
    ]);
    write(admin, 'a.yaml', 'extend: ../../../etc/x\n');
    const [msg] = await failure(resolveVariant('debootstrap', 'a', debootstrapSchema, opts()));
    expect(msg).toMatch(/a\.yaml:1: extend: invalid variant name/);
  });

  it('an unknown variant says where it looked', async () => {
    const [msg] = await failure(resolveVariant('debootstrap', 'nope', debootstrapSchema, opts()));
    expect(msg).toBe(
      `E_VARIANT_UNKNOWN variant "nope" of OS debootstrap not found (looked for nope.yaml in ${admin}, ${shipped})`,
    );
  });
});

describe('shipped debootstrap variants', () => {
  const o = { configRoot: '/nonexistent/etc/ganeti' };
  it('default is Debian stable (trixie); every shipped file resolves', async () => {
    const d = await resolveVariant('debootstrap', 'default', debootstrapSchema, o);
    expect(d.values['suite']).toBe('trixie');
    for (const v of ['bookworm', 'trixie', 'buster']) {
      expect((await resolveVariant('debootstrap', v, debootstrapSchema, o)).values['suite']).toBe(v);
    }
    expect((await resolveVariant('debootstrap', 'buster', debootstrapSchema, o)).values['mirror']).toBe(
      'http://archive.debian.org/debian',
    );
  });
  it('testing+contrib+paravirtualized: cloud kernel, contrib, own hooks', async () => {
    const r = await resolveVariant('debootstrap', 'testing+contrib+paravirtualized', debootstrapSchema, o);
    expect(r.values['suite']).toBe('testing');
    expect(r.values['components']).toEqual(['main', 'contrib']);
    expect(r.values['kernel']).toBe('linux-image-cloud-amd64');
    expect(r.values['extra-pkgs']).not.toContain('linux-image-amd64');
    const hooks = r.values['hooks'] as string[];
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatch(/hooks\/variants\/testing\+contrib\+paravirtualized$/);
    expect(existsSync(hooks[0]!)).toBe(true);
  });
});
