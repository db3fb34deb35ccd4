/**
 * create (and reinstall) for any Linux provider: disk 0 is partitioned and formatted from the
 * variant's layout while the provider's population starts (a cache check, a download), the root
 * is filled, then the shared pass configures the guest and installs the bootloader. On reinstall
 * the old system's ssh host keys are read first and kept. Every acquisition is on the cleanup
 * stack, which unwinds after return, on error and on signals. A provider's whole-disk image (raw,
 * qcow2) replaces partitioning and filling: disk-image.ts writes, grows and opens it instead.
 */
import { startBiosGrub } from '../boot/install.js';
import { prefetchGrubFiles } from '../boot/prefetch.js';
import { prepareDisk, type PreparedDisk } from '../disk/index.js';
import { hashPassword, makeSshHostKeys, readOldHostKeys, type SavedKey } from '../guest/index.js';
import type { CreateContext } from '../sdk/types.js';
import { bootDiskOf, configureGuest, guestDiskOf } from './configure.js';
import { diskZero, layoutOf } from './disk.js';
import { createFromDiskImage } from './disk-image.js';
import type { LinuxInstaller, PopulateInput } from './installer.js';

export async function createLinux<P>(ctx: CreateContext<P>, installer: LinuxInstaller<P>): Promise<void> {
  const { instance, log, runner, cleanup: stack, paths, signal } = ctx;
  const cfg = await installer.configure({
    paths,
    variant: ctx.variant,
    params: ctx.params,
    runner,
    log,
    instance,
  });
  const disk = diskZero(ctx);
  const boot = installer.boot(cfg);
  if (boot === 'grub') prefetchGrubFiles().catch(() => 0); // warms the page cache for grub-install; best effort
  const hashed =
    cfg.rootPassword === undefined ? undefined : await hashPassword(runner, log, cfg.rootPassword);
  const what = installer.describe ? ` (${installer.describe(cfg)})` : '';
  log.info(
    `installing ${installer.os}+${cfg.resolved.name}${what} on ${disk.path}${ctx.reinstall ? ' (reinstall)' : ''}`,
  );

  let savedKeys: SavedKey[] = [];
  if (ctx.reinstall)
    savedKeys = await readOldHostKeys({ ...disk, runner, cleanupRunner: ctx.cleanupRunner, log, stack });

  const run: PopulateInput = { paths, runner, cleanupRunner: ctx.cleanupRunner, log, stack, signal };
  const whole = await installer.wholeDisk?.(cfg, run);
  if (whole) {
    await createFromDiskImage(ctx, installer, cfg, whole, { hashedPassword: hashed, savedKeys });
    log.info(`${instance.name} installed`);
    return;
  }
  const guestInfo = installer.guestInstance ? await installer.guestInstance(cfg, instance) : instance;
  const population = installer.begin(cfg, run);
  const hostKeys = population.sshServer ? makeSshHostKeys(runner, instance.name) : Promise.resolve(undefined);
  hostKeys.catch(() => undefined); // awaited below; not unhandled meanwhile
  const prepareP = prepareDisk({
    ...disk,
    layout: installer.layout ? installer.layout(cfg) : layoutOf(cfg.settings.disk),
    durable: cfg.settings.disk.diskSync === 'durable',
    runner,
    cleanupRunner: ctx.cleanupRunner,
    stack,
    log,
    ...(population.rootImage ? { rootImage: population.rootImage } : {}),
  });
  let prepared: PreparedDisk;
  try {
    prepared = await prepareP;
  } catch (e) {
    // Everything started must have registered its undo before the stack unwinds.
    await Promise.allSettled([prepareP, population.settled(), hostKeys]);
    throw e;
  }
  // BIOS grub-install needs only the disk and the filesystem: it runs while the root is filled and
  // the guest configured; not when populating wants the target empty.
  const grubStarted =
    boot === 'grub' && !population.needsEmptyTarget ? startBiosGrub(bootDiskOf(prepared), runner) : undefined;
  grubStarted?.catch(() => undefined); // awaited below
  try {
    log.info(await population.fill(prepared));
    const guestDisk = guestDiskOf(prepared);
    const bootPart = prepared.partitions.find((p) => p.role === 'boot');
    await configureGuest(guestInfo === instance ? ctx : { ...ctx, instance: guestInfo }, {
      os: installer.os,
      cfg,
      policy: installer.guest(cfg),
      boot,
      hookVars:
        installer.hookVars?.(cfg, {
          device: guestDisk.device,
          ...(guestDisk.rootDevice ? { rootDevice: guestDisk.rootDevice } : {}),
          ...(bootPart ? { bootDevice: bootPart.device } : {}),
        }) ?? {},
      disk: guestDisk,
      prepared,
      hashedPassword: hashed,
      savedKeys,
      hostKeys,
      ...(grubStarted ? { grubStarted } : {}),
    });
  } catch (e) {
    await Promise.allSettled([grubStarted, population.settled()]);
    throw e;
  }
  log.info(`${instance.name} installed`);
}
