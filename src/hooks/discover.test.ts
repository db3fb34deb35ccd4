import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OsErrors } from '../runtime/errors.js';
import { Logger, MemorySink } from '../runtime/logger.js';
import { discoverHooks, phaseOfName, planHooks } from './discover.js';

let root: string;
const hook = (rel: string, mode = 0o755) => {
  const p = path.join(root, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, '#!/bin/sh\n');
  chmodSync(p, mode);
  return p;
};
const names = (plan: Awaited<ReturnType<typeof discoverHooks>>, phase: keyof typeof plan.phases) =>
  plan.phases[phase].map((h) => `${h.source}:${path.relative(root, h.path)}`);

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'gos-hooks-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('phaseOfName', () => {
  it('takes a <phase>_ prefix, else post-config', () => {
    expect(phaseOfName('post-populate_10-apt')).toEqual({ phase: 'post-populate', sortName: '10-apt' });
    // the debootstrap provider's first name for post-populate stays an alias
    expect(phaseOfName('post-bootstrap_10-apt')).toEqual({ phase: 'post-populate', sortName: '10-apt' });
    expect(phaseOfName('pre-unmount_x')).toEqual({ phase: 'pre-unmount', sortName: 'x' });
    expect(phaseOfName('post-bootstrap_')).toEqual({ phase: 'post-config', sortName: 'post-bootstrap_' });
    expect(phaseOfName('grub')).toEqual({ phase: 'post-config', sortName: 'grub' });
  });
});

describe('discoverHooks', () => {
  it('orders by C locale within a phase, provider hooks before variant hooks', async () => {
    hook('prov/b-hook');
    hook('prov/A-hook');
    hook('prov/10-first');
    hook('prov/post-bootstrap/20-x');
    hook('prov/post-bootstrap_10-y');
    hook('var/post-populate/30-z');
    hook('prov/confdata/timezone', 0o644); // data, not a hook
    hook('var/05-variant');
    hook('var/pre-unmount/99-sync');
    const sink = new MemorySink();
    const plan = await discoverHooks({
      providerHooksDir: path.join(root, 'prov'),
      variantHooks: [path.join(root, 'var')],
      useProviderHooks: true,
      log: new Logger('info', sink),
    });
    expect(names(plan, 'post-config')).toEqual([
      'provider:prov/10-first',
      'provider:prov/A-hook',
      'provider:prov/b-hook',
      'variant:var/05-variant',
    ]);
    expect(names(plan, 'post-populate')).toEqual([
      'provider:prov/post-bootstrap_10-y',
      'provider:prov/post-bootstrap/20-x',
      'variant:var/post-populate/30-z',
    ]);
    expect(names(plan, 'pre-unmount')).toEqual(['variant:var/pre-unmount/99-sync']);
    expect(plan.warnings).toEqual([]);
    expect(sink.lines).toEqual([]);
    // a phase subdirectory hook runs from the hooks root (where confdata/ is)
    expect(plan.phases['post-populate'][1]!.dir).toBe(path.join(root, 'prov'));
    expect(planHooks(plan)).toHaveLength(8);
  });

  it('reports names run-parts would skip instead of dropping them silently', async () => {
    hook('d/grub.sh');
    hook('d/foo~');
    hook('d/x.dpkg-old');
    hook('d/.hidden');
    hook('d/ok');
    mkdirSync(path.join(root, 'd/post_config'));
    const sink = new MemorySink();
    const plan = await discoverHooks({ variantHooks: [path.join(root, 'd')], log: new Logger('info', sink) });
    expect(names(plan, 'post-config')).toEqual(['variant:d/ok']);
    expect(plan.warnings).toEqual([
      `hook ${root}/d/foo~ is not run: its name has characters outside [A-Za-z0-9_-] (run-parts rules); rename it to foo- to run it`,
      `hook ${root}/d/grub.sh is not run: its name has characters outside [A-Za-z0-9_-] (run-parts rules); rename it to grub to run it`,
      `directory ${root}/d/post_config is not a hook phase (phases: post-populate, post-config, pre-unmount); its files are not run`,
      `hook ${root}/d/x.dpkg-old is not run: its name has characters outside [A-Za-z0-9_-] (run-parts rules); rename it to x to run it`,
    ]);
    expect(sink.lines.every((l) => l.startsWith('warn: '))).toBe(true);
    expect(sink.lines).toHaveLength(4);
  });

  it('a non-executable hook is an error naming it', async () => {
    hook('d/10-ok');
    hook('d/20-noexec', 0o644);
    hook('d/post-bootstrap/30-noexec', 0o600);
    const err = await discoverHooks({ variantHooks: [path.join(root, 'd')] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OsErrors);
    expect((err as OsErrors).problems.map((p) => `${p.code} ${p.message}`)).toEqual([
      `E_HOOK_NOT_EXECUTABLE hook ${root}/d/20-noexec is not executable`,
      `E_HOOK_NOT_EXECUTABLE hook ${root}/d/post-bootstrap/30-noexec is not executable`,
    ]);
  });

  it('the provider-wide directory can be turned off, and is not run twice', async () => {
    hook('prov/10-p');
    const off = await discoverHooks({ providerHooksDir: path.join(root, 'prov'), useProviderHooks: false });
    expect(planHooks(off)).toEqual([]);
    const twice = await discoverHooks({
      providerHooksDir: path.join(root, 'prov'),
      variantHooks: [path.join(root, 'prov')],
    });
    expect(planHooks(twice).map((h) => h.source)).toEqual(['provider']);
    expect(twice.warnings[0]).toMatch(/listed twice/);
    // a missing provider-wide directory is fine (nothing configured)
    expect(planHooks(await discoverHooks({ providerHooksDir: path.join(root, 'none') }))).toEqual([]);
  });

  it('explicit files run in list order, any name, phase by prefix', async () => {
    const a = hook('f/zz.sh');
    const b = hook('f/pre-unmount_aa');
    const c = hook('f/mm');
    const plan = await discoverHooks({ variantHooks: [a, b, c] });
    expect(names(plan, 'post-config')).toEqual(['variant:f/zz.sh', 'variant:f/mm']);
    expect(names(plan, 'pre-unmount')).toEqual(['variant:f/pre-unmount_aa']);
  });

  it('a missing hooks path or broken symlink is reported', async () => {
    await expect(discoverHooks({ variantHooks: [path.join(root, 'nope')] })).rejects.toThrow(
      /hooks path .*nope does not exist/,
    );
    mkdirSync(path.join(root, 'd'));
    symlinkSync('/nonexistent', path.join(root, 'd/10-broken'));
    const plan = await discoverHooks({ variantHooks: [path.join(root, 'd')] });
    expect(plan.warnings).toEqual([`hook ${root}/d/10-broken is a broken symlink; not run`]);
  });
});
