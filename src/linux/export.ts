/**
 * export, the same for every Linux provider: one disk as a stream on stdout, a header and then a
 * tar of its files (any filesystem; owners, modes, hardlinks, ACLs, xattrs and sparse files kept),
 * or its raw bytes when it holds no filesystem we can read. The disk (EXPORT_DEVICE, possibly an
 * LVM snapshot) is mounted read-only, with the guest's own /boot when it has one.
 */
import { openDisk, type OpenedDisk } from '../disk/index.js';
import type { ExportContext } from '../sdk/types.js';
import { isOsError } from '../runtime/errors.js';
import { deviceSize, exportRaw, exportTree, writeHeader } from '../stream/index.js';
import { diskTarget } from './disk.js';

/** `raw`: the disk's bytes whatever it holds (an opaque guest, such as the image provider's nomount). */
export async function exportLinux(ctx: ExportContext<unknown>, os: string, raw = false): Promise<void> {
  const { target, log, runner, cleanup: stack, signal } = ctx;
  const disk = diskTarget(target.device, ctx.instance.disks[target.index]);
  const sizeBytes = Number(deviceSize(target.device));
  let opened: OpenedDisk | undefined;
  if (raw) log.info(`disk ${target.index}: an opaque guest; exporting its raw bytes`);
  else
    try {
      opened = await openDisk({
        ...disk,
        readOnly: true,
        runner,
        cleanupRunner: ctx.cleanupRunner,
        log,
        stack,
      });
    } catch (e) {
      if (!isOsError(e) || e.code !== 'E_DISK_NO_ROOT') throw e;
      log.info(`disk ${target.index}: ${e.message}; exporting its raw bytes`);
    }
  if (!opened) {
    writeHeader(ctx.out, { kind: 'raw', index: target.index, sizeBytes, os });
    await exportRaw(target.device, () => undefined, signal, log);
    return;
  }
  const root = opened.root;
  writeHeader(ctx.out, {
    kind: 'tree',
    index: target.index,
    ...(root.fstype ? { filesystem: root.fstype } : {}),
    ...(root.uuid ? { uuid: root.uuid } : {}),
    ...(root.label ? { label: root.label } : {}),
    sizeBytes,
    os,
  });
  log.info(
    `exporting disk ${target.index} (${root.fstype ?? '?'}${opened.boot ? ' with /boot' : ''}) as a file stream`,
  );
  // Only the guest's root and its /boot are mounted here, and both belong in the stream.
  await exportTree(opened.target, ctx.out, { log, signal, oneFileSystem: false });
}
