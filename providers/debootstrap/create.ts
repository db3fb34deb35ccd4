/**
 * create (and reinstall): partition and format disk 0, put a bootstrapped Debian tree on it (from
 * the cache, or bootstrapped now), configure the guest from Ganeti's environment, run the hooks of
 * each phase, install GRUB. Every acquisition is on the cleanup stack, which unwinds after return.
 */
import { prepareDisk, enterChroot, type Chroot, type PreparedDisk } from '../../src/disk/index.js';
import { installBootloader, startBiosGrub } from '../../src/boot/install.js';
import { cacheKey, installFromCache, pinCacheEntry, withCacheEntry, type PinnedEntry } from '../../src/cache/index.js';
import { detectGuest, generateSshHostKeys, hashPassword, makeSshHostKeys, newMachineId, writeGuestFiles } from '../../src/guest/index.js';
import { providerHooksDir } from '../../src/config/paths.js';
import { buildHookEnv, discoverHooks, runHooks, type HookPlan, type Phase } from '../../src/hooks/index.js';
import type { CreateContext, WarmContext } from '../../src/provider/types.js';
import type { InstanceInfo, ScriptEnv } from '../../src/ganeti/types.js';
import { OsError } from '../../src/runtime/errors.js';
import { cacheInputs, hostArch, hostHasMmdebstrap, planBootstrap, runBootstrap, type BootstrapPlan } from './bootstrap.js';
import { loadConfig, OS, type DebootstrapParams, type RunConfig } from './config.js';
import { bootConsole, consoleDevice, planDebootstrapGuest } from './guest.js';
import { readOldHostKeys, restoreHostKeys, type SavedKey } from './host-keys.js';
import type { DebootstrapVariant } from './schema.js';

export function layoutOf(v: DebootstrapVariant) {
  return {
    style: v.partitionStyle,
    alignment: v.partitionAlignment,
    filesystem: v.filesystem,
    ...(typeof v.swapMiB === 'number' ? { swapMiB: v.swapMiB } : {}),
    ...(typeof v.bootPartitionMiB === 'number' ? { bootMiB: v.bootPartitionMiB } : {}),
  };
}

export function diskZero(ctx: { instance: InstanceInfo; env: ScriptEnv }): { path: string; backendType?: string } {
  const d = ctx.instance.disks[0];
  if (!d?.path) {
    throw new OsError('E_NO_DISK', 'the instance has no disk 0 with a path (DISK_0_PATH)', {
      hint: 'debootstrap installs onto disk 0; create the instance with at least one disk',
    });
  }
  if (d.access === 'ro') throw new OsError('E_DISK_RO', `disk 0 (${d.path}) is read-only`, { hint: 'give the instance a read-write disk 0' });
  const raw = ctx.env.raw.DISK_0_BACKEND_TYPE;
  return { path: d.path, ...(raw ? { backendType: raw } : {}) };
}

async function hookRunner(ctx: CreateContext<DebootstrapParams>, cfg: RunConfig, prepared: PreparedDisk, plan: BootstrapPlan, beforeHooks: () => Promise<unknown>) {
  const v = cfg.variant;
  const hookPlan: HookPlan = await discoverHooks({
    variantHooks: v.hooks,
    providerHooksDir: v.customizeDir || providerHooksDir(OS, { configDir: ctx.paths.configDir }),
    useProviderHooks: v.providerHooks,
    log: ctx.log,
  });
  for (const w of hookPlan.warnings) ctx.log.warn(w);
  const root = prepared.partitions.find((p) => p.role === 'root');
  return async (phase: Phase): Promise<void> => {
    if (hookPlan.phases[phase].length === 0) return;
    await beforeHooks();
    const env = buildHookEnv({
      ganetiEnv: ctx.env.raw,
      phase,
      os: OS,
      variant: cfg.resolved.name,
      target: prepared.target,
      blockdev: prepared.device,
      ...(root ? { fsysdev: root.device } : {}),
      values: cfg.resolved.values,
      legacy: {
        suite: v.suite,
        arch: plan.arch,
        partitionStyle: v.partitionStyle,
        extraPkgs: v.extraPkgs,
        mirror: v.mirror,
        proxy: v.proxy,
        components: v.components,
      },
    });
    await runHooks(hookPlan, phase, { env, target: prepared.target, log: ctx.log, stack: ctx.cleanup, timeoutSec: v.hookTimeoutSec, signal: ctx.signal });
  };
}

export async function create(ctx: CreateContext<DebootstrapParams>): Promise<void> {
  const { instance, log, runner, cleanup: stack, paths, signal } = ctx;
  const cfg = await loadConfig(paths, ctx.variant, ctx.params, runner);
  const v = cfg.variant;
  const disk = diskZero(ctx);
  const plan = planBootstrap(v, { hostArch: await hostArch(runner), haveMmdebstrap: hostHasMmdebstrap(), efi: v.partitionStyle === 'gpt' });
  const hashed = cfg.rootPasswordParam === undefined ? undefined : await hashPassword(runner, log, cfg.rootPasswordParam);
  log.info(`installing ${cfg.resolved.name} (${v.suite}/${plan.arch}, ${v.partitionStyle}, ${v.filesystem}) on ${disk.path}${ctx.reinstall ? ' (reinstall)' : ''}`);

  let savedKeys: SavedKey[] = [];
  if (ctx.reinstall) savedKeys = await readOldHostKeys({ ...disk, runner, cleanupRunner: ctx.cleanupRunner, log, stack });

  const inputs = cacheInputs(plan);
  const key = cacheKey(inputs);
  const cacheOpts = { dir: paths.cacheDir, inputs, log, signal, cleanup: stack, maxAgeDays: v.cleanCacheDays };
  // While the disk is prepared: check the cache entry (its sha256) and make the ssh host keys
  // (when the variant installs an ssh server; otherwise they are made only if the guest has one).
  const pinP = v.generateCache ? pinCacheEntry(key, cacheOpts) : Promise.resolve(undefined);
  const keysP = plan.packages.includes('openssh-server') ? makeSshHostKeys(runner, instance.name) : Promise.resolve(undefined);
  keysP.catch(() => undefined); // awaited below; a failure must not count as unhandled meanwhile
  const prepareP = prepareDisk({ ...disk, layout: layoutOf(v), runner, cleanupRunner: ctx.cleanupRunner, stack, log });
  let prepared: PreparedDisk;
  let pinned: PinnedEntry | undefined;
  try {
    [prepared, pinned] = await Promise.all([prepareP, pinP]);
  } catch (e) {
    // Everything started must have registered its undo before the stack unwinds.
    await Promise.allSettled([prepareP, pinP, keysP]);
    throw e;
  }
  const bootDisk = { device: prepared.device, target: prepared.target, plan: prepared.plan, partitions: prepared.partitions, mapper: prepared.mapper, runtimeDir: prepared.runtimeDir };
  const wantGrub = v.bootloader === 'grub' && v.kernel !== 'none';
  // BIOS grub-install runs while the tree is unpacked (it needs only the disk and the empty
  // filesystem); not when the bootstrapper fills the target itself (it wants it empty).
  const grubP = wantGrub && v.generateCache ? startBiosGrub(bootDisk, runner) : undefined;
  grubP?.catch(() => undefined); // awaited below
  let got: Awaited<ReturnType<typeof installFromCache>>;
  try {
    got = await installFromCache(prepared.target, key, (dir) => runBootstrap(plan, dir, runner, log), {
      ...cacheOpts,
      generateCache: v.generateCache,
      ...(pinned ? { pinned } : {}),
    });
  } finally {
    await Promise.allSettled([grubP]);
  }
  await grubP;
  log.info(got.source === 'cache' ? `unpacked cached tree ${got.path ?? ''}` : `bootstrapped (${got.source})`);

  // /proc, /sys, /dev and policy-rc.d in the guest only when something runs there (hooks, locale-gen).
  let chroot: Promise<Chroot> | undefined;
  const inChroot = (): Promise<Chroot> => (chroot ??= enterChroot({ target: prepared.target, runner, cleanupRunner: ctx.cleanupRunner, stack, log }));
  const runPhase = await hookRunner(ctx, cfg, prepared, plan, inChroot);
  await runPhase('post-bootstrap');

  const facts = await detectGuest(prepared.target);
  const entries = planDebootstrapGuest({ instance, variant: v, facts, machineId: newMachineId(), fstab: prepared.fstab, ...(hashed !== undefined ? { hashedPassword: hashed } : {}) });
  await writeGuestFiles(prepared.target, entries);
  if (facts.sshd) {
    const keys = await keysP;
    await generateSshHostKeys({ runner, target: prepared.target, name: instance.name, ...(keys ? { keys } : {}) });
    if (savedKeys.length > 0) await restoreHostKeys(prepared.target, savedKeys, log);
  }
  if (!['C.UTF-8', 'C', 'POSIX'].includes(v.locale)) await (await inChroot()).run(['locale-gen'], { code: 'E_GUEST_LOCALE', hint: `is ${v.locale} a valid locale?` });
  await runPhase('post-config');

  if (wantGrub) {
    const con = bootConsole(consoleDevice(v, instance));
    await installBootloader({
      disk: bootDisk,
      runner,
      log,
      stack,
      ...(con.serial ? { serialConsole: con.serial } : {}),
      cmdline: con.cmdline,
      ...(grubP ? { biosStarted: grubP } : {}),
    });
  }
  await runPhase('pre-unmount');
  if (chroot) await (await chroot).release();
  log.info(`${instance.name} installed`);
}

/** Build (or check) the cache entry of a variant without a disk: `ganeti-os cache warm`. */
export async function warmCache(ctx: WarmContext): Promise<{ path: string; hit: boolean }> {
  const { runner, log, paths, signal } = ctx;
  const cfg = await loadConfig(paths, ctx.variant, { filesystem: undefined, 'root-password': undefined, 'ssh-key': undefined }, runner);
  const v = cfg.variant;
  const plan = planBootstrap(v, { hostArch: await hostArch(runner), haveMmdebstrap: hostHasMmdebstrap(), efi: v.partitionStyle === 'gpt' });
  const inputs = cacheInputs(plan);
  const r = await withCacheEntry(cacheKey(inputs), (dir) => runBootstrap(plan, dir, runner, log), {
    dir: paths.cacheDir,
    inputs,
    log,
    signal,
    cleanup: ctx.cleanup,
    maxAgeDays: v.cleanCacheDays,
  });
  return { path: r.path, hit: r.hit };
}
