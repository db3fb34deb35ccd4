/**
 * import: rebuild one disk from an export stream. Disk 0 gets the variant's layout sized to the
 * new disk (so a larger disk is used whole), the files, an fstab pointing at the new filesystems
 * and a new bootloader; a data disk gets one filesystem with the exported UUID (so the guest's fstab
 * still finds it). A raw stream is written back as it is.
 */
import { prepareDisk } from '../../src/disk/index.js';
import { installBootloader } from '../../src/boot/install.js';
import { readGuestFile, writeGuestFiles } from '../../src/guest/index.js';
import { runPipeline } from '../../src/process/pipeline.js';
import type { ImportContext } from '../../src/sdk/types.js';
import { OsError } from '../../src/runtime/errors.js';
import { TREE_TAR_FLAGS } from '../../src/stream/index.js';
import { TAR_PIPE_READ_FLAGS } from '../../src/cache/index.js';
import { importRaw } from '../../src/stream/raw.js';
import { loadConfig, type DebootstrapParams } from './config.js';
import { layoutOf } from './create.js';
import { bootConsole, consoleDevice } from './guest.js';
import { mergeFstab } from './fstab-merge.js';
import { refreshNetwork } from './network-refresh.js';
import { readHeader } from './stream-header.js';
import type { DebootstrapVariant } from './schema.js';

const FILESYSTEMS = ['ext2', 'ext3', 'ext4', 'xfs', 'btrfs'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * mkfs options that give a data disk's new filesystem the exported UUID, so the guest's fstab line
 * for it stays valid. The header is untrusted input: anything but a plain UUID is ignored.
 */
export function keepUuidOptions(fs: DebootstrapVariant['filesystem'], uuid: string | undefined, log: { warn(m: string): void }): string[] {
  if (uuid === undefined) return [];
  if (!UUID.test(uuid)) {
    log.warn(`ignoring the stream's filesystem UUID ${JSON.stringify(uuid).slice(0, 60)}: not a UUID`);
    return [];
  }
  return fs === 'xfs' ? ['-m', `uuid=${uuid}`] : ['-U', uuid];
}

export async function importDisk(ctx: ImportContext<DebootstrapParams>): Promise<void> {
  const { target, log, runner, cleanup: stack, signal, instance } = ctx;
  const header = readHeader(ctx.in);
  if (header.kind === 'raw') {
    log.info(`disk ${target.index}: raw stream`);
    await importRaw(target.device, ctx.in, signal, log);
    return;
  }
  const fs = header.filesystem && FILESYSTEMS.includes(header.filesystem) ? (header.filesystem as DebootstrapVariant['filesystem']) : 'ext4';
  const backendType = ctx.env.raw[`DISK_${target.index}_BACKEND_TYPE`];
  const cfg = target.index === 0 ? await loadConfig(ctx.paths, ctx.variant, ctx.params, runner) : undefined;
  const layout = cfg
    ? { ...layoutOf(cfg.variant), filesystem: ctx.params.filesystem ? cfg.variant.filesystem : fs }
    : { style: 'none' as const, filesystem: fs, mkfsOptions: keepUuidOptions(fs, header.uuid, log) };
  const prepared = await prepareDisk({ path: target.device, ...(backendType ? { backendType } : {}), layout, runner, cleanupRunner: ctx.cleanupRunner, stack, log, minRootMiB: 16 });
  log.info(`restoring disk ${target.index} files (${layout.filesystem}, ${layout.style})`);
  await runPipeline([['tar', ...TREE_TAR_FLAGS, ...TAR_PIPE_READ_FLAGS, '-xpf', '-', '-C', prepared.target]], {
    log,
    signal,
    stdin: ctx.in,
    stdout: 'ignore',
    code: 'E_IMPORT_TREE',
    hint: 'the stream is damaged or truncated; export again',
  });
  if (!cfg) return;
  if ((await readGuestFile(prepared.target, '/etc/debian_version')) === undefined) {
    throw new OsError('E_IMPORT_TREE', 'the imported disk 0 holds no Debian system (/etc/debian_version missing)', {
      hint: 'import an export of a debootstrap instance',
    });
  }
  const old = await readGuestFile(prepared.target, '/etc/fstab');
  await writeGuestFiles(prepared.target, [{ kind: 'file', path: '/etc/fstab', content: mergeFstab(old ?? '', prepared.fstab), mode: 0o644 }]);
  const v = cfg.variant;
  // The imported instance has its own NICs (new MACs): its network files follow them.
  await refreshNetwork(prepared.target, instance, v);
  if (v.bootloader === 'grub') {
    const con = bootConsole(consoleDevice(v, instance));
    await installBootloader({
      disk: { device: prepared.device, target: prepared.target, plan: prepared.plan, partitions: prepared.partitions, mapper: prepared.mapper, runtimeDir: prepared.runtimeDir },
      runner,
      log,
      stack,
      ...(con.serial ? { serialConsole: con.serial } : {}),
      cmdline: con.cmdline,
    });
  }
  log.info(`imported ${instance.name} disk 0`);
}
