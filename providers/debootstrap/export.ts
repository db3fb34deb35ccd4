/**
 * export: one disk as a stream on stdout: the header, then a tar of its files (any filesystem; owners,
 * modes, hardlinks, ACLs, xattrs and sparse files kept), or its raw bytes when it holds no
 * filesystem we can read. The disk (EXPORT_DEVICE, possibly an LVM snapshot) is mounted read-only.
 */
import { openDisk, type OpenedDisk } from '../../src/disk/index.js';
import { runPipeline } from '../../src/process/pipeline.js';
import type { ExportContext } from '../../src/sdk/types.js';
import { isOsError } from '../../src/runtime/errors.js';
import { TREE_TAR_FLAGS } from '../../src/stream/index.js';
import { deviceSize, exportRaw } from '../../src/stream/raw.js';
import type { DebootstrapParams } from './config.js';
import { OS } from './config.js';
import { writeHeader } from './stream-header.js';

export async function exportDisk(ctx: ExportContext<DebootstrapParams>): Promise<void> {
  const { target, log, runner, cleanup: stack, signal } = ctx;
  const backendType = ctx.env.raw[`DISK_${target.index}_BACKEND_TYPE`];
  const sizeBytes = Number(deviceSize(target.device));
  let opened: OpenedDisk | undefined;
  try {
    opened = await openDisk({ path: target.device, ...(backendType ? { backendType } : {}), readOnly: true, runner, cleanupRunner: ctx.cleanupRunner, log, stack });
  } catch (e) {
    if (!isOsError(e) || e.code !== 'E_DISK_NO_ROOT') throw e;
    log.info(`disk ${target.index}: ${e.message}; exporting its raw bytes`);
  }
  if (!opened) {
    writeHeader(ctx.out, { kind: 'raw', index: target.index, sizeBytes, os: OS });
    await exportRaw(target.device, () => undefined, signal, log);
    return;
  }
  const root = opened.root;
  writeHeader(ctx.out, {
    kind: 'tree',
    index: target.index,
    ...(root.fstype ? { filesystem: root.fstype } : {}),
    ...(root.uuid ? { uuid: root.uuid } : {}),
    sizeBytes,
    os: OS,
  });
  log.info(`exporting disk ${target.index} (${root.fstype ?? '?'}${opened.boot ? ' with /boot' : ''}) as a file stream`);
  // No --one-file-system: only the guest's root and its /boot are mounted here, and both belong in it.
  await runPipeline([['tar', ...TREE_TAR_FLAGS, '--sparse', '-C', opened.target, '-cf', '-', '.']], {
    log,
    signal,
    stdin: 'ignore',
    stdout: ctx.out,
    code: 'E_EXPORT_TREE',
    hint: 'the guest filesystem could not be read completely; run fsck on the disk and retry',
  });
}
