import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { debootstrapLegacyMapping } from '../../providers/debootstrap/legacy.js';
import { debootstrapSchema } from '../../providers/debootstrap/schema.js';
import { ExecRunner } from '../process/runner.js';
import { Logger, MemorySink } from '../runtime/logger.js';
import { parseEnv0, sourceShellFiles } from './legacy.js';
import { listVariants } from './list.js';
import { resolveVariant } from './resolve.js';

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
  it('parses env -0 output and drops shell noise', () => {
    expect(parseEnv0('A=1\0PWD=/x\0B=x=y\nz\0SHLVL=1\0')).toEqual({ A: '1', B: 'x=y\nz' });
  });

  it('evaluates shell, not text: expansions, := defaults, escapes', async () => {
    const d = path.join(etc, 'default/ganeti-instance-debootstrap');
    writeFileSync(d, 'EXTRA_PKGS="acpid"\n: ${ARCH:=amd64}\nCOMPONENTS=main\\ contrib\n');
    const v = path.join(variants, 'x.conf');
    writeFileSync(v, 'EXTRA_PKGS="$EXTRA_PKGS,udev"\necho noise\n');
    expect(await sourceShellFiles(runner, d, v)).toMatchObject({
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
      'clean-cache': 14,
    });
    expect(r.provenance['suite']).toEqual({ legacy: path.join(variants, 'old.conf'), variable: 'SUITE' });
    expect(r.provenance['mirror']).toEqual({ legacy: d, variable: 'MIRROR' });
    expect(r.provenance['clean-cache']).toBe('default');
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
});
