/**
 * What the shared Linux pipeline needs from debootstrap: the variant with the OS parameters over
 * it, a root populated from the cache of bootstrapped trees (bootstrapping on a miss), a
 * Debian-family guest configured by the shared steps, GRUB when the guest has a kernel, and the
 * variables instance-debootstrap's hooks expect.
 */
import {
  cachedTreePopulation,
  debianFamily,
  loadVariant,
  warmCachedTree,
  type CachedTree,
  type LinuxConfig,
  type LinuxInstaller,
  type PopulateInput,
} from 'ganeti-os/sdk/linux';
import { linuxSettings, type Runner } from 'ganeti-os/sdk';
import {
  cacheInputs,
  hostArch,
  hostHasMmdebstrap,
  planBootstrap,
  runBootstrap,
  type BootstrapPlan,
} from './bootstrap.js';
import { debootstrapLegacyMapping } from './legacy.js';
import { debootstrapSchema, debootstrapVariant, type DebootstrapVariant } from './schema.js';

/** The OS parameters as the operations see them (index.ts declares them). */
export interface DebootstrapParams {
  filesystem?: string | undefined;
  'root-password'?: string | undefined;
  'ssh-key'?: string | undefined;
}

export interface DebootstrapConfig extends LinuxConfig {
  variant: DebootstrapVariant;
  plan: BootstrapPlan;
}

/** The variant with the OS parameters applied: a filesystem, one more ssh key. Pure. */
export function applyParams(v: DebootstrapVariant, params: DebootstrapParams): DebootstrapVariant {
  return {
    ...v,
    ...(params.filesystem ? { filesystem: params.filesystem as DebootstrapVariant['filesystem'] } : {}),
    ...(params['ssh-key'] ? { sshAuthorizedKeys: [...v.sshAuthorizedKeys, params['ssh-key']] } : {}),
  };
}

/** instance-debootstrap's hook variables (SUITE, ARCH, ...), from the variant and the plan. Pure. */
export function legacyHookVars(v: DebootstrapVariant, plan: BootstrapPlan): Record<string, string> {
  return {
    SUITE: v.suite,
    ARCH: plan.arch,
    PARTITION_STYLE: v.partitionStyle,
    EXTRA_PKGS: v.extraPkgs.join(','),
    MIRROR: v.mirror,
    PROXY: v.proxy,
    COMPONENTS: v.components.join(','),
  };
}

function cachedTree(cfg: DebootstrapConfig, run: Pick<PopulateInput, 'runner' | 'log'>): CachedTree {
  const v = cfg.variant;
  return {
    inputs: cacheInputs(cfg.plan),
    build: (dir) => runBootstrap(cfg.plan, dir, run.runner, run.log),
    cache: { generateCache: v.generateCache, cleanCache: v.cleanCache, imageCache: v.imageCache },
    disk: cfg.settings.disk,
    sshServer: cfg.plan.packages.includes('openssh-server'),
  };
}

async function configure(
  paths: Parameters<typeof loadVariant>[1],
  variant: string,
  params: DebootstrapParams,
  runner: Runner,
): Promise<DebootstrapConfig> {
  const resolved = await loadVariant(
    { os: 'debootstrap', schema: debootstrapSchema, legacy: debootstrapLegacyMapping },
    paths,
    variant,
    runner,
  );
  const v = applyParams(debootstrapVariant(resolved.values), params);
  const plan = planBootstrap(v, {
    hostArch: await hostArch(runner),
    haveMmdebstrap: hostHasMmdebstrap(),
    efi: v.partitionStyle === 'gpt',
  });
  return {
    resolved,
    settings: linuxSettings({
      ...resolved.values,
      filesystem: v.filesystem,
      'ssh-authorized-keys': v.sshAuthorizedKeys,
    }),
    ...(params['root-password'] ? { rootPassword: params['root-password'] } : {}),
    ...(params.filesystem ? { explicitFilesystem: true } : {}),
    variant: v,
    plan,
  };
}

const installer: LinuxInstaller<DebootstrapParams, DebootstrapConfig> = {
  os: 'debootstrap',
  configure: ({ paths, variant, params, runner }) => configure(paths, variant, params, runner),
  describe: (cfg) =>
    `${cfg.variant.suite}/${cfg.plan.arch}, ${cfg.variant.partitionStyle}, ${cfg.variant.filesystem}`,
  begin: (cfg, run) => cachedTreePopulation(cachedTree(cfg, run), run),
  warm: (cfg, run) => warmCachedTree(cachedTree(cfg, run), run),
  guest: (cfg) => ({
    family: debianFamily({
      apt: { mirror: cfg.variant.mirror, suite: cfg.variant.suite, components: cfg.variant.components },
    }),
  }),
  boot: (cfg) => (cfg.variant.bootloader === 'grub' && cfg.variant.kernel !== 'none' ? 'grub' : 'none'),
  hookVars: (cfg) => legacyHookVars(cfg.variant, cfg.plan),
};

export default installer;
