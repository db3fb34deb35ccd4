/**
 * Variant hooks on a real bootstrapped guest: resolve a variant from real files, discover its hooks
 * and the provider-wide ones, run each phase for real, and check what landed in the guest.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { debootstrapSchema } from '../../../providers/debootstrap/schema.js';
import { providerHooksDir, resolveVariant } from '../../../src/config/index.js';
import { buildHookEnv, discoverHooks, PHASES, runHooks } from '../../../src/hooks/index.js';
import { CleanupStack } from '../../../src/runtime/cleanup.js';
import { Logger, MemorySink } from '../../../src/runtime/logger.js';
import { ensureMinbaseTar, extractGuest, isRoot, scratch, teardown } from './guest.js';

let dir: string;
let target: string;
let configRoot: string;
let shipped: string;
let hooksTmp: string;

const MARK = (name: string) => `#!/bin/bash
set -e
mkdir -p "$TARGET/var/log/hooks-ran"
echo "$GANETI_OS_PHASE $GANETI_OS_VARIANT $(pwd) $HOOKS_DIR" > "$TARGET/var/log/hooks-ran/${name}"
`;

function hook(file: string, body: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, body);
  chmodSync(file, 0o755);
}

function ran(): string[] {
  const d = path.join(target, 'var/log/hooks-ran');
  return existsSync(d) ? readdirSync(d).sort() : [];
}

async function install(variant: string) {
  const resolved = await resolveVariant('debootstrap', variant, debootstrapSchema, {
    configRoot,
    shippedDir: shipped,
  });
  const v = resolved.values;
  const sink = new MemorySink();
  const log = new Logger('debug', sink);
  const plan = await discoverHooks({
    variantHooks: v['hooks'] as string[],
    providerHooksDir: providerHooksDir('debootstrap', { configRoot }),
    useProviderHooks: v['provider-hooks'] as boolean,
    log,
  });
  await using stack = new CleanupStack(log);
  for (const phase of PHASES) {
    const env = buildHookEnv({
      ganetiVars: { INSTANCE_NAME: 'vm1.example.org', NIC_COUNT: '0', OS_VARIANT: variant },
      nics: [],
      phase,
      os: 'debootstrap',
      variant,
      target,
      values: v,
      extra: {
        SUITE: v['suite'] as string,
        ARCH: 'amd64',
        PARTITION_STYLE: v['partition-style'] as string,
        EXTRA_PKGS: (v['extra-pkgs'] as string[]).join(','),
      },
    });
    await runHooks(plan, phase, {
      env,
      target,
      log,
      stack,
      timeoutSec: v['hook-timeout'] as number,
      tmpDir: hooksTmp,
    });
  }
  expect(stack.size).toBe(0);
  return { resolved, sink, plan };
}

beforeAll(() => {
  if (isRoot) ensureMinbaseTar();
});

beforeEach(() => {
  dir = scratch('gos-vhooks-');
  target = extractGuest(dir);
  configRoot = path.join(dir, 'etc/ganeti');
  shipped = path.join(dir, 'share/variants/debootstrap');
  hooksTmp = path.join(dir, 'tmp');
  mkdirSync(hooksTmp);
  const variants = path.join(configRoot, 'instance-debootstrap/variants');
  mkdirSync(variants, { recursive: true });
  mkdirSync(shipped, { recursive: true });
  // provider-wide hooks (instance-debootstrap's CUSTOMIZE_DIR): flat = post-config
  hook(path.join(configRoot, 'instance-debootstrap/hooks/10-provider'), MARK('10-provider'));
  // a shipped base (not published) with its own hooks, two variants extending it, one sibling
  hook(path.join(dir, 'share/hooks/variants/base/post-bootstrap/10-base'), MARK('10-base'));
  hook(path.join(dir, 'share/hooks/variants/alpha/pre-unmount/90-alpha'), MARK('90-alpha'));
  hook(path.join(dir, 'share/hooks/variants/alpha/20-alpha-config'), MARK('20-alpha-config'));
  writeFileSync(
    path.join(shipped, 'base.yaml'),
    'publish: false\nsuite: bookworm\nhooks: ../../hooks/variants/base\n',
  );
  writeFileSync(
    path.join(shipped, 'alpha.yaml'),
    'extend: base\nhooks:\n  append: [../../hooks/variants/alpha]\n',
  );
  writeFileSync(path.join(shipped, 'beta.yaml'), 'suite: trixie\n');
  writeFileSync(path.join(variants, 'quiet.yaml'), 'extend: alpha\nprovider-hooks: false\n');
});

afterEach(() => {
  expect(teardown(dir, { emptyDirs: [hooksTmp] })).toEqual([]);
});

describe.skipIf(!isRoot)('variant hooks on a real guest', () => {
  it("a variant runs its own hooks, its parent's (extend + append) and the provider-wide ones, per phase", async () => {
    const { plan } = await install('alpha');
    expect(plan.phases['post-populate'].map((h) => h.name)).toEqual(['10-base']);
    expect(plan.phases['post-config'].map((h) => `${h.source}:${h.name}`)).toEqual([
      'provider:10-provider',
      'variant:20-alpha-config',
    ]);
    expect(plan.phases['pre-unmount'].map((h) => h.name)).toEqual(['90-alpha']);
    expect(ran()).toEqual(['10-base', '10-provider', '20-alpha-config', '90-alpha']);
    const base = readFileSync(path.join(target, 'var/log/hooks-ran/10-base'), 'utf8').trim().split(' ');
    // phase, variant, cwd = the hooks root the hook belongs to (not the phase subdirectory), HOOKS_DIR
    expect(base).toEqual([
      'post-populate',
      'alpha',
      path.join(dir, 'share/hooks/variants/base'),
      path.join(dir, 'share/hooks/variants/base'),
    ]);
  });

  it("a sibling variant does not run another variant's hooks", async () => {
    await install('beta');
    expect(ran()).toEqual(['10-provider']);
  });

  it('provider-hooks: false turns the provider-wide directory off (inherited hooks still run)', async () => {
    await install('quiet');
    expect(ran()).toEqual(['10-base', '20-alpha-config', '90-alpha']);
  });

  it('the shipped testing+contrib+paravirtualized hooks configure virtio and hvc0', async () => {
    const resolved = await resolveVariant(
      'debootstrap',
      'testing+contrib+paravirtualized',
      debootstrapSchema,
      {
        configRoot,
      },
    );
    const sink = new MemorySink();
    const log = new Logger('info', sink);
    const plan = await discoverHooks({
      variantHooks: resolved.values['hooks'] as string[],
      useProviderHooks: false,
      log,
    });
    expect(plan.phases['post-config'].map((h) => h.name)).toEqual(['10-virtio-initramfs', '20-console-hvc0']);
    const env = buildHookEnv({
      ganetiVars: {},
      nics: [],
      phase: 'post-config',
      os: 'debootstrap',
      variant: resolved.name,
      target,
      values: resolved.values,
    });
    await runHooks(plan, 'post-config', { env, target, log, tmpDir: hooksTmp });
    const modules = readFileSync(path.join(target, 'etc/initramfs-tools/modules'), 'utf8').split('\n');
    expect(modules).toEqual(
      expect.arrayContaining(['virtio_blk', 'virtio_net', 'virtio_pci', 'virtio_console']),
    );
    expect(readFileSync(path.join(target, 'etc/default/grub.d/90-paravirtualized.cfg'), 'utf8')).toContain(
      'console=hvc0',
    );
    expect(sink.lines).toContain('[20-console-hvc0] console: ttyS0 and hvc0');
    // idempotent: running again does not duplicate modules
    await runHooks(plan, 'post-config', { env, target, log, tmpDir: hooksTmp });
    const again = readFileSync(path.join(target, 'etc/initramfs-tools/modules'), 'utf8').split('\n');
    expect(again.filter((m) => m === 'virtio_blk')).toHaveLength(1);
  });
});
