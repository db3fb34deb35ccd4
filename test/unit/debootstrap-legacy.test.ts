import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { debootstrapLegacyMapping } from '../../providers/debootstrap/legacy.js';
import { debootstrapSchema } from '../../providers/debootstrap/schema.js';
import { ExecRunner } from '../../src/process/runner.js';
import { Logger, MemorySink } from '../../src/runtime/logger.js';
import { parseSourced, sourceShellFiles } from '../../src/config/legacy.js';
import { listVariants } from '../../src/config/list.js';
import { resolveVariant } from '../../src/config/resolve.js';

let root: string;
let etc: string;
let variants: string;
const runner = new ExecRunner(new Logger('error', new MemorySink()));
const legacy = { runner, mapping: debootstrapLegacyMapping };
const opts = () => ({ configRoot: path.join(etc, 'ganeti'), shippedDir: null, legacy });

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'gos-legacy-'));
  etc = path.join(root, 'etc');
  variants = path.join(etc, 'ganeti/instance-debootstrap/variants');
  mkdirSync(variants, { recursive: true });
  mkdirSync(path.join(etc, 'default'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('legacy shell configuration (sourced by bash)', () => {
  it('parses the sourcing output (exported flag, NAME=value) and drops shell noise', () => {
    const r = parseSourced('x\0A=1\0\0PWD=/x\0\0B=x=y\nz\0x\0SHLVL=1\0');
    expect(r.vars).toEqual({ A: '1', B: 'x=y\nz' });
    expect([...r.exported]).toEqual(['A']);
  });

  it('evaluates shell, not text: expansions, := defaults, escapes', async () => {
    const d = path.join(etc, 'default/ganeti-instance-debootstrap');
    writeFileSync(d, 'EXTRA_PKGS="acpid"\n: ${ARCH:=amd64}\nCOMPONENTS=main\\ contrib\n');
    const v = path.join(variants, 'x.conf');
    writeFileSync(v, 'EXTRA_PKGS="$EXTRA_PKGS,udev"\necho noise\n');
    expect((await sourceShellFiles(runner, d, v)).vars).toMatchObject({
      EXTRA_PKGS: 'acpid,udev',
      ARCH: 'amd64',
      COMPONENTS: 'main contrib',
    });
  });

  it('a legacy-only variant resolves from defaults + .conf with legacy provenance', async () => {
    const d = path.join(etc, 'default/ganeti-instance-debootstrap');
    writeFileSync(d, 'MIRROR=http://mirror.example/debian\nGENERATE_CACHE=no\nSUITE=bookworm\n');
    writeFileSync(
      path.join(variants, 'old.conf'),
      'SUITE=bullseye\nEXTRA_PKGS="acpid,udev"\nPARTITION_ALIGNMENT=4096\nCLEAN_CACHE=\n',
    );
    const r = await resolveVariant('debootstrap', 'old', debootstrapSchema, opts());
    expect(r.source).toBe('legacy');
    expect(r.values).toMatchObject({
      suite: 'bullseye',
      mirror: 'http://mirror.example/debian',
      'generate-cache': false,
      'extra-pkgs': ['acpid', 'udev'],
      'partition-alignment': 4096,
      // emptied by the variant file, after instance-debootstrap's `:=` defaults: never cleaned
      'clean-cache': 'never',
    });
    expect(r.provenance['suite']).toEqual({ legacy: path.join(variants, 'old.conf'), variable: 'SUITE' });
    expect(r.provenance['mirror']).toEqual({ legacy: d, variable: 'MIRROR' });
    expect(r.provenance['clean-cache']).toEqual({
      legacy: path.join(variants, 'old.conf'),
      variable: 'CLEAN_CACHE',
    });
    expect(r.files).toEqual([path.join(variants, 'old.conf'), d]);
    expect((await listVariants('debootstrap', opts())).map((x) => x.name)).toEqual(['old']);
  });

  it('YAML wins; legacy fills only keys the YAML chain left at default', async () => {
    writeFileSync(path.join(variants, 'v.yaml'), 'suite: trixie\n');
    writeFileSync(path.join(variants, 'v.conf'), 'SUITE=buster\nMIRROR=http://legacy.example/debian\n');
    const r = await resolveVariant('debootstrap', 'v', debootstrapSchema, opts());
    expect(r.values['suite']).toBe('trixie');
    expect(r.values['mirror']).toBe('http://legacy.example/debian');
    expect(r.provenance['suite']).toEqual({ file: path.join(variants, 'v.yaml'), line: 1 });
  });

  it('a bad legacy value names the file and the variable', async () => {
    writeFileSync(path.join(variants, 'v.conf'), 'PARTITION_STYLE=zfs\n');
    await expect(resolveVariant('debootstrap', 'v', debootstrapSchema, opts())).rejects.toThrow(
      `${path.join(variants, 'v.conf')}: PARTITION_STYLE="zfs" (key partition-style): expected one of none|msdos|gpt`,
    );
  });

  it('a shell error in a legacy file fails with the file named', async () => {
    writeFileSync(path.join(variants, 'v.conf'), 'if then\n');
    await expect(resolveVariant('debootstrap', 'v', debootstrapSchema, opts())).rejects.toThrow(
      /sourcing .*v\.conf failed/,
    );
  });

  it('reads each variable as instance-debootstrap does: only "yes" generates the cache', async () => {
    const d = path.join(etc, 'default/ganeti-instance-debootstrap');
    for (const [value, expected] of [
      ['yes', true],
      ['no', false],
      ['false', false],
      ['Yes', false],
      ['0', false],
    ] as const) {
      writeFileSync(d, `GENERATE_CACHE="${value}"\n`);
      writeFileSync(path.join(variants, 'v.conf'), '');
      const r = await resolveVariant('debootstrap', 'v', debootstrapSchema, opts());
      expect(r.values['generate-cache'], value).toBe(expected);
    }
  });

  it('an empty value in the defaults file is unset (the old `:=` defaults), in the variant file it counts', async () => {
    const d = path.join(etc, 'default/ganeti-instance-debootstrap');
    writeFileSync(d, 'GENERATE_CACHE=""\nCLEAN_CACHE=""\nCUSTOMIZE_DIR=""\n');
    writeFileSync(path.join(variants, 'a.conf'), '');
    const a = await resolveVariant('debootstrap', 'a', debootstrapSchema, opts());
    expect(a.values).toMatchObject({ 'generate-cache': true, 'clean-cache': 14, 'provider-hooks': true });
    writeFileSync(path.join(variants, 'b.conf'), 'GENERATE_CACHE=""\nCLEAN_CACHE=""\nCUSTOMIZE_DIR=""\n');
    const b = await resolveVariant('debootstrap', 'b', debootstrapSchema, opts());
    expect(b.values).toMatchObject({
      'generate-cache': false,
      'clean-cache': 'never',
      'provider-hooks': false,
    });
    writeFileSync(path.join(variants, 'c.conf'), 'PARTITION_STYLE=""\n');
    await expect(resolveVariant('debootstrap', 'c', debootstrapSchema, opts())).rejects.toThrow(
      'PARTITION_STYLE="" (key partition-style): expected one of none|msdos|gpt',
    );
  });

  it('CLEAN_CACHE that find(1) refuses never cleans, as in instance-debootstrap', async () => {
    writeFileSync(path.join(variants, 'v.conf'), 'CLEAN_CACHE=two-weeks\n');
    expect((await resolveVariant('debootstrap', 'v', debootstrapSchema, opts())).values['clean-cache']).toBe(
      'never',
    );
    writeFileSync(path.join(variants, 'v.conf'), 'CLEAN_CACHE=7\n');
    expect((await resolveVariant('debootstrap', 'v', debootstrapSchema, opts())).values['clean-cache']).toBe(
      7,
    );
  });

  it('every variable the files export is kept for the hooks, exported or set -a; plain ones are not', async () => {
    const d = path.join(etc, 'default/ganeti-instance-debootstrap');
    writeFileSync(
      d,
      'export SITE_REPO=http://repo.example\nLOCAL_ONLY=1\nset -a\nDOMAIN=example.org\nset +a\n',
    );
    writeFileSync(path.join(variants, 'v.conf'), 'export SITE_ROLE=web\nSUITE=trixie\n');
    const r = await resolveVariant('debootstrap', 'v', debootstrapSchema, opts());
    expect(r.legacyExports).toEqual({
      DOMAIN: 'example.org',
      SITE_REPO: 'http://repo.example',
      SITE_ROLE: 'web',
    });
    expect(r.values['suite']).toBe('trixie');
  });

  it("a variant of instance-debootstrap's own files keeps its passwordless root unless YAML sets it", async () => {
    writeFileSync(path.join(variants, 'old.conf'), 'SUITE=bookworm\n');
    const old = await resolveVariant('debootstrap', 'old', debootstrapSchema, opts());
    expect(old.values['root-password']).toBe('empty');
    expect(old.provenance['root-password']).toEqual({
      legacy: path.join(variants, 'old.conf'),
      variable: 'passwd -d root',
    });
    writeFileSync(path.join(variants, 'old.yaml'), 'root-password: locked\n');
    expect(
      (await resolveVariant('debootstrap', 'old', debootstrapSchema, opts())).values['root-password'],
    ).toBe('locked');
    // the defaults file alone (every node that had the package keeps it) changes nothing
    writeFileSync(path.join(etc, 'default/ganeti-instance-debootstrap'), 'SUITE=bookworm\n');
    writeFileSync(path.join(variants, 'mine.yaml'), 'suite: trixie\n');
    expect(
      (await resolveVariant('debootstrap', 'mine', debootstrapSchema, opts())).values['root-password'],
    ).toBe('locked');
  });

  it("honours instance-debootstrap's variants.list: published .conf variants and the default", async () => {
    const list = path.join(etc, 'ganeti/instance-debootstrap/variants.list');
    writeFileSync(path.join(variants, 'web.conf'), 'SUITE=bookworm\n');
    writeFileSync(path.join(variants, 'db.conf'), 'SUITE=bookworm\n');
    writeFileSync(path.join(variants, 'old.conf'), 'SUITE=buster\n');
    writeFileSync(path.join(variants, 'new.yaml'), 'suite: trixie\n');
    writeFileSync(path.join(variants, 'base.yaml'), 'publish: false\n');
    const listed = async () =>
      (await listVariants('debootstrap', { ...opts(), legacy: true })).map((v) => [
        v.name,
        v.published,
        v.isDefault,
      ]);
    // without the file: every .conf is published, C order
    expect(await listed()).toEqual([
      ['db', true, true],
      ['new', true, false],
      ['old', true, false],
      ['web', true, false],
      ['base', false, false],
    ]);
    writeFileSync(list, '# published\n  web \n\ndb\nbase\ngone\n');
    const all = await listVariants('debootstrap', { ...opts(), legacy: true });
    expect(all.map((v) => [v.name, v.published, v.isDefault])).toEqual([
      ['web', true, true], // first line of the list
      ['db', true, false],
      ['new', true, false], // YAML variants keep their own publish key
      ['base', false, false], // publish: false wins over the list
      ['gone', false, false],
      ['old', false, false], // a .conf the list does not name
    ]);
    expect(all.find((v) => v.name === 'gone')!.error).toBe(
      `listed in ${list} but there is no gone.yaml or gone.conf; not published`,
    );
    writeFileSync(path.join(variants, 'new.yaml'), 'suite: trixie\ndefault: true\n');
    expect((await listed())[0]).toEqual(['new', true, true]); // default: true wins over the list
  });
});
