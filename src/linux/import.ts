/**
 * import, shared by every Linux provider: rebuild one disk from an export stream. Disk 0 gets the
 * variant's layout sized to the new disk (so a larger disk is used whole), the files, an fstab
 * pointing at the new filesystems, network files for this instance's NICs and a new bootloader; a
 * data disk gets one filesystem with the exported UUID (so the guest's fstab still finds it). A raw
 * stream is written back as it is. A dump(8) stream (the export of instance-debootstrap, whose
 * backups must keep working once it is replaced) is restored into disk 0 like a tree.
 */
import { prepareDisk, type LayoutConfig } from '../disk/index.js';
import { consoleDevice } from '../guest/console.js';
import { mergeFstab } from '../guest/fstab.js';
import { detectGuest, readGuestFile, refreshNetwork, runsStep, writeGuestFiles } from '../guest/index.js';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { ImportContext } from '../sdk/types.js';
import { importRaw, importTree, readStreamStart, restoreDump } from '../stream/index.js';
import { installGrub } from './configure.js';
import { diskTarget, layoutOf } from './disk.js';
import type { LinuxConfig, LinuxInstaller } from './installer.js';
import { ROOT_FS_VALUES } from './schema.js';

type RootFs = (typeof ROOT_FS_VALUES)[number];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * mkfs options that give a data disk's new filesystem the exported UUID, so the guest's fstab line
 * for it stays valid. The header is untrusted input: anything but a plain UUID is ignored.
 */
export function keepUuidOptions(fs: RootFs, uuid: string | undefined, log: Pick<Logger, 'warn'>): string[] {
  if (uuid === undefined) return [];
  if (!UUID.test(uuid)) {
    log.warn(`ignoring the stream's filesystem UUID ${JSON.stringify(uuid).slice(0, 60)}: not a UUID`);
    return [];
  }
  return fs === 'xfs' ? ['-m', `uuid=${uuid}`] : ['-U', uuid];
}

/** What mkfs accepts as a label of every root filesystem (xfs: 12 bytes); nothing like an option. */
const LABEL = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,11}$/;

/** mkfs options that give a filesystem the exported label (untrusted: anything unusual is ignored). */
export function keepLabelOptions(label: string | undefined, log: Pick<Logger, 'warn'>): string[] {
  if (label === undefined || label === '') return [];
  if (!LABEL.test(label)) {
    log.warn(
      `ignoring the stream's filesystem label ${JSON.stringify(label).slice(0, 60)}: not a plain label`,
    );
    return [];
  }
  return ['-L', label];
}

/** The exported filesystem when it is one we make; ext4 otherwise (the header is untrusted). */
export function streamFilesystem(fs: string | undefined): RootFs {
  return (ROOT_FS_VALUES as readonly string[]).includes(fs ?? '') ? (fs as RootFs) : 'ext4';
}

/**
 * Disk 0 takes the variant's layout (the provider's own, `own.layout`), with the exported filesystem
 * unless a parameter chose one; with `own.keepRootIdentity`, its root gets the exported UUID and label.
 */
export function importLayout(
  cfg: LinuxConfig | undefined,
  exported: RootFs,
  uuid: string | undefined,
  log: Pick<Logger, 'warn'>,
  own: { layout?: LayoutConfig; keepRootIdentity?: boolean; label?: string | undefined } = {},
): LayoutConfig {
  if (!cfg) return { style: 'none', filesystem: exported, mkfsOptions: keepUuidOptions(exported, uuid, log) };
  const base = own.layout ?? layoutOf(cfg.settings.disk);
  const filesystem = cfg.explicitFilesystem ? cfg.settings.disk.filesystem : exported;
  const identity = own.keepRootIdentity
    ? [...keepUuidOptions(filesystem, uuid, log), ...keepLabelOptions(own.label, log)]
    : [];
  return {
    ...base,
    filesystem,
    ...(identity.length > 0 ? { mkfsOptions: [...(base.mkfsOptions ?? []), ...identity] } : {}),
  };
}

export async function importLinux<P>(ctx: ImportContext<P>, installer: LinuxInstaller<P>): Promise<void> {
  const { target, log, runner, cleanup: stack, signal, instance } = ctx;
  const start = readStreamStart(ctx.in);
  if (start.format === 'ganeti-os' && start.header.kind === 'raw') {
    log.info(`disk ${target.index}: raw stream`);
    await importRaw(target.device, ctx.in, signal, log);
    return;
  }
  const cfg =
    target.index === 0
      ? await installer.configure({
          paths: ctx.paths,
          variant: ctx.variant,
          params: ctx.params,
          runner,
          log,
          instance,
        })
      : undefined;
  const header = start.format === 'ganeti-os' ? start.header : undefined;
  // A dump carries no filesystem type worth keeping (restore writes files into any): the variant's.
  const exported = header ? streamFilesystem(header.filesystem) : (cfg?.settings.disk.filesystem ?? 'ext4');
  const layout = importLayout(cfg, exported, header?.uuid, log, {
    ...(cfg && installer.layout ? { layout: installer.layout(cfg) } : {}),
    ...(installer.keepRootIdentity ? { keepRootIdentity: true, label: header?.label } : {}),
  });
  const disk = diskTarget(target.device, instance.disks[target.index]);
  const prepared = await prepareDisk({
    ...disk,
    layout,
    durable: cfg?.settings.disk.diskSync === 'durable',
    runner,
    cleanupRunner: ctx.cleanupRunner,
    stack,
    log,
    minRootMiB: 16,
  });
  log.info(
    `restoring disk ${target.index} files (${layout.filesystem}, ${layout.style})${header ? '' : ' from a dump(8) stream'}`,
  );
  if (start.format === 'dump') await restoreDump(prepared.target, start.head, ctx.in, { log, signal });
  else await importTree(prepared.target, ctx.in, { log, signal });
  if (!cfg) return;
  // Rules that pin the exported instance's MACs to interface names (as instance-debootstrap removes them).
  if (!header)
    await writeGuestFiles(prepared.target, [
      { kind: 'remove', path: '/etc/udev/rules.d/70-persistent-net.rules' },
    ]);

  const policy = installer.guest(cfg);
  if (installer.verifyTree) await installer.verifyTree(prepared.target, cfg);
  else if (
    policy.family.marker &&
    (await readGuestFile(prepared.target, policy.family.marker)) === undefined
  ) {
    throw new OsError(
      'E_IMPORT_TREE',
      `the imported disk 0 holds no ${policy.family.name} system (${policy.family.marker} missing)`,
      {
        hint: `import an export of a ${installer.os} instance`,
      },
    );
  }
  if (runsStep(policy, 'fstab')) {
    const old = await readGuestFile(prepared.target, '/etc/fstab');
    await writeGuestFiles(prepared.target, [
      { kind: 'file', path: '/etc/fstab', content: mergeFstab(old ?? '', prepared.fstab), mode: 0o644 },
    ]);
  }
  // The imported instance has its own NICs (new MACs): its network files follow them.
  if (runsStep(policy, 'network')) {
    const info = installer.guestInstance ? await installer.guestInstance(cfg, instance) : instance;
    await refreshNetwork(prepared.target, info, cfg.settings.guest.network, (t) =>
      detectGuest(t, policy.family),
    );
  }
  await installer.afterImport?.(cfg, prepared, {
    paths: ctx.paths,
    runner,
    cleanupRunner: ctx.cleanupRunner,
    log,
    stack,
    signal,
    instance,
  });
  if (installer.boot(cfg) === 'grub')
    await installGrub(
      { runner, log, stack },
      prepared,
      consoleDevice(cfg.settings.boot.serialConsole, instance),
    );
  log.info(`imported ${instance.name} disk 0`);
}
