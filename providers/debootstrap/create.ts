/**
 * create (and reinstall): partition and format disk 0, put a bootstrapped Debian tree on it (from
 * the cache, or bootstrapped now), configure the guest from Ganeti's environment, run the hooks of
 * each phase, install GRUB. Every acquisition is on the cleanup stack, which unwinds after return.
 */
import { buildFsImage, enterChroot, isImageFilesystem, prepareDisk, type Chroot, type FsImage, type ImageFilesystem, type PreparedDisk } from '../../src/disk/index.js';
import { installBootloader, startBiosGrub, type BootDisk } from '../../src/boot/install.js';
import { prefetchGrubFiles } from '../../src/boot/prefetch.js';
import { cacheKey, installFromCache, pinCacheEntry, pinFsImage, withCacheEntry, type CacheOptions, type ImageSpec, type PinnedEntry, type PinnedImage } from '../../src/cache/index.js';
import type { Runner } from '../../src/process/runner.js';
import type { CleanupStack } from '../../src/runtime/cleanup.js';
import type { Logger } from '../../src/runtime/logger.js';
import { detectGuest, generateSshHostKeys, hashPassword, makeSshHostKeys, newMachineId, writeGuestFiles } from '../../src/guest/index.js';
import { providerHooksDir } from '../../src/config/paths.js';
import { buildHookEnv, discoverHooks, runHooks, type HookPlan, type Phase } from '../../src/hooks/index.js';
import type { CreateContext, WarmContext } from '../../src/sdk/types.js';
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

/** The root filesystem image to keep beside the cache entry, when the variant can use one. */
export function rootImageSpec(v: DebootstrapVariant): (ImageSpec & { fstype: ImageFilesystem }) | undefined {
  if (!v.generateCache || !v.imageCache || !isImageFilesystem(v.filesystem)) return undefined;
  if (typeof v.bootPartitionMiB === 'number' && v.bootPartitionMiB > 0) return undefined; // the tree spans two filesystems
  return { fstype: v.filesystem, mkfsOptions: [] };
}

/** Pin (making it first when needed) the image of a cache entry; undefined to unpack the tarball instead. */
function pinRootImage(
  key: string,
  spec: ImageSpec & { fstype: ImageFilesystem },
  opts: CacheOptions & { cleanup: CleanupStack },
  tools: { runner: Runner; cleanupRunner?: Runner; log: Logger },
): Promise<PinnedImage | undefined> {
  return pinFsImage(
    key,
    spec,
    (file, sizeBytes, fill) =>
      buildFsImage({ ...tools, stack: opts.cleanup, file, sizeBytes, fill, fstype: spec.fstype, mkfsOptions: spec.mkfsOptions }).then(() => undefined),
    opts,
  );
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
  const wantGrub = v.bootloader === 'grub' && v.kernel !== 'none';
  if (wantGrub) prefetchGrubFiles().catch(() => 0); // warms the page cache for grub-install; best effort
  const hashed = cfg.rootPasswordParam === undefined ? undefined : await hashPassword(runner, log, cfg.rootPasswordParam);
  log.info(`installing ${cfg.resolved.name} (${v.suite}/${plan.arch}, ${v.partitionStyle}, ${v.filesystem}) on ${disk.path}${ctx.reinstall ? ' (reinstall)' : ''}`);

  let savedKeys: SavedKey[] = [];
  if (ctx.reinstall) savedKeys = await readOldHostKeys({ ...disk, runner, cleanupRunner: ctx.cleanupRunner, log, stack });

  const inputs = cacheInputs(plan);
  const key = cacheKey(inputs);
  const cacheOpts = { dir: paths.cacheDir, inputs, log, signal, cleanup: stack, maxAgeDays: v.cleanCacheDays };
  // The root partition is restored from the cache entry's filesystem image when there is one (made
  // from the tarball first when missing; asked for only once the disk is partitioned), else
  // formatted and filled from the tarball, whose sha256 is then checked while the disk is prepared.
  // The ssh host keys are made meanwhile (when the variant installs an ssh server; otherwise they
  // are made only if the guest has one).
  const spec = rootImageSpec(v);
  let imageP: Promise<PinnedImage | undefined> | undefined;
  const rootImage = spec
    ? () => (imageP ??= pinRootImage(key, spec, cacheOpts, { runner, cleanupRunner: ctx.cleanupRunner, log })).then((img): FsImage | undefined => (img ? { path: img.path, bytes: img.bytes, fstype: spec.fstype } : undefined))
    : undefined;
  const pinEarly = !spec && v.generateCache ? pinCacheEntry(key, cacheOpts) : Promise.resolve(undefined);
  const keysP = plan.packages.includes('openssh-server') ? makeSshHostKeys(runner, instance.name) : Promise.resolve(undefined);
  for (const p of [pinEarly, keysP]) p.catch(() => undefined); // awaited below; not unhandled meanwhile
  const prepareP = prepareDisk({ ...disk, layout: layoutOf(v), runner, cleanupRunner: ctx.cleanupRunner, stack, log, ...(rootImage ? { rootImage } : {}) });
  let prepared: PreparedDisk;
  let pinned: PinnedEntry | undefined;
  try {
    [prepared, pinned] = await Promise.all([prepareP, pinEarly]);
  } catch (e) {
    // Everything started must have registered its undo before the stack unwinds.
    await Promise.allSettled([prepareP, pinEarly, imageP, keysP]);
    throw e;
  }
  const image = await imageP;
  await image?.release();
  if (spec && !prepared.rootRestored) pinned = await pinCacheEntry(key, cacheOpts); // spec implies generate-cache
  const bootDisk = { device: prepared.device, target: prepared.target, plan: prepared.plan, partitions: prepared.partitions, mapper: prepared.mapper, runtimeDir: prepared.runtimeDir };
  // BIOS grub-install runs while the tree is unpacked or the guest configured (it needs only the
  // disk and the filesystem); not when the bootstrapper fills the target itself (it wants it empty).
  // Anything run inside the guest waits for it, and so does every way out of here.
  const grubP = wantGrub && v.generateCache ? startBiosGrub(bootDisk, runner) : undefined;
  grubP?.catch(() => undefined); // awaited below
  try {
    const got = prepared.rootRestored && image
      ? { source: 'cache', path: image.file }
      : await installFromCache(prepared.target, key, (dir) => runBootstrap(plan, dir, runner, log), {
          ...cacheOpts,
          generateCache: v.generateCache,
          ...(pinned ? { pinned } : {}),
        });
    log.info(
      prepared.rootRestored ? `restored cached image ${got.path ?? ''}` : got.source === 'cache' ? `unpacked cached tree ${got.path ?? ''}` : `bootstrapped (${got.source})`,
    );
    await configureGuest(ctx, { cfg, plan, prepared, bootDisk, hashed, savedKeys, keysP, wantGrub, ...(grubP ? { grubP } : {}) });
  } catch (e) {
    await Promise.allSettled([grubP]);
    throw e;
  }
  log.info(`${instance.name} installed`);
}

interface Installed {
  cfg: RunConfig;
  plan: BootstrapPlan;
  prepared: PreparedDisk;
  bootDisk: BootDisk;
  hashed: string | undefined;
  savedKeys: SavedKey[];
  keysP: Promise<Awaited<ReturnType<typeof makeSshHostKeys>> | undefined>;
  wantGrub: boolean;
  grubP?: Promise<void>;
}

/** The tree is in place: hooks, the guest's own files and identity, the bootloader. */
async function configureGuest(ctx: CreateContext<DebootstrapParams>, o: Installed): Promise<void> {
  const { instance, log, runner, cleanup: stack } = ctx;
  const { cfg, plan, prepared, bootDisk, grubP } = o;
  const v = cfg.variant;
  // /proc, /sys, /dev and policy-rc.d in the guest only when something runs there (hooks, locale-gen).
  let chroot: Promise<Chroot> | undefined;
  const inChroot = async (): Promise<Chroot> => {
    await grubP;
    return (chroot ??= enterChroot({ target: prepared.target, runner, cleanupRunner: ctx.cleanupRunner, stack, log }));
  };
  const runPhase = await hookRunner(ctx, cfg, prepared, plan, inChroot);
  await runPhase('post-bootstrap');

  const facts = await detectGuest(prepared.target);
  const entries = planDebootstrapGuest({ instance, variant: v, facts, machineId: newMachineId(), fstab: prepared.fstab, ...(o.hashed !== undefined ? { hashedPassword: o.hashed } : {}) });
  await writeGuestFiles(prepared.target, entries);
  if (facts.sshd) {
    const keys = await o.keysP;
    await generateSshHostKeys({ runner, target: prepared.target, name: instance.name, ...(keys ? { keys } : {}) });
    if (o.savedKeys.length > 0) await restoreHostKeys(prepared.target, o.savedKeys, log);
  }
  if (!['C.UTF-8', 'C', 'POSIX'].includes(v.locale)) await (await inChroot()).run(['locale-gen'], { code: 'E_GUEST_LOCALE', hint: `is ${v.locale} a valid locale?` });
  await runPhase('post-config');

  if (o.wantGrub) {
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
  await grubP;
  await runPhase('pre-unmount');
  if (chroot) await (await chroot).release();
}

/** Build (or check) the cache entry of a variant without a disk: `ganeti-os cache warm`. */
export async function warmCache(ctx: WarmContext): Promise<{ path: string; hit: boolean }> {
  const { runner, log, paths, signal } = ctx;
  const cfg = await loadConfig(paths, ctx.variant, { filesystem: undefined, 'root-password': undefined, 'ssh-key': undefined }, runner);
  const v = cfg.variant;
  const plan = planBootstrap(v, { hostArch: await hostArch(runner), haveMmdebstrap: hostHasMmdebstrap(), efi: v.partitionStyle === 'gpt' });
  const inputs = cacheInputs(plan);
  const key = cacheKey(inputs);
  const opts = { dir: paths.cacheDir, inputs, log, signal, cleanup: ctx.cleanup, maxAgeDays: v.cleanCacheDays };
  const r = await withCacheEntry(key, (dir) => runBootstrap(plan, dir, runner, log), opts);
  // ...and the root filesystem image creates restore (made now, so the first create need not wait).
  const spec = rootImageSpec(v);
  if (spec) await (await pinRootImage(key, spec, opts, { runner, cleanupRunner: ctx.cleanupRunner, log }))?.release();
  return { path: r.path, hit: r.hit };
}
