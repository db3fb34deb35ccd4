/**
 * The tools that write a captured image, each reading the disk (or a mounted tree) and writing one
 * output file, with progress while they run. qemu-img is always told the format (`-f raw`) and
 * only gets absolute paths, so no name is parsed as a protocol or a json: filename. Output files
 * are created 0600: an image holds the guest's secrets.
 */
import { chmod } from 'node:fs/promises';
import { runPipeline } from '../process/pipeline.js';
import { allocatedBytes, withProgress } from '../progress/index.js';
import type { Runner } from '../process/types.js';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { tarCreateArgv } from '../stream/tar.js';
import { compressArgv, dumpArgv, qcow2Args, rawCopyArgs, type Compression } from './plan.js';

export interface WriterContext {
  runner: Runner;
  log: Logger;
  signal?: AbortSignal;
}

const MODE = 0o600;

function absolute(...paths: string[]): void {
  for (const p of paths)
    if (!p.startsWith('/')) throw new OsError('E_INTERNAL', `capture path ${p} is not absolute`);
}

async function qemuImg(ctx: WriterContext, args: string[], phase: string, dest: string): Promise<void> {
  await withProgress({ log: ctx.log, phase, sample: () => allocatedBytes(dest) }, () =>
    ctx.runner.run('qemu-img', args, {
      code: 'E_CAPTURE',
      hint: 'is there room for the image in the output directory? is qemu-utils installed?',
    }),
  );
  await chmod(dest, MODE);
}

/** A sparse raw copy of a raw disk. */
export async function copyRaw(ctx: WriterContext, source: string, dest: string): Promise<void> {
  absolute(source, dest);
  await qemuImg(ctx, rawCopyArgs(source, dest), `copy ${source}`, dest);
}

/** A qcow2 image of a raw disk. */
export async function writeQcow2(
  ctx: WriterContext,
  source: string,
  dest: string,
  compress: Compression,
): Promise<void> {
  absolute(source, dest);
  await qemuImg(ctx, qcow2Args(source, dest, compress), `qcow2 of ${source}`, dest);
}

function pipelineOptions(ctx: WriterContext, dest: string, hint: string) {
  return {
    log: ctx.log,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    stdout: { path: dest, mode: MODE },
    code: 'E_CAPTURE' as const,
    hint,
  };
}

/** A raw disk compressed as one stream (the compressor reads the disk itself). */
export async function compressRaw(
  ctx: WriterContext,
  source: string,
  dest: string,
  compress: Exclude<Compression, 'none'>,
): Promise<void> {
  await withProgress(
    { log: ctx.log, phase: `${compress} of ${source}`, sample: () => allocatedBytes(dest) },
    () =>
      runPipeline([compressArgv(compress)], {
        ...pipelineOptions(ctx, dest, 'is there room for the image in the output directory?'),
        stdin: { path: source },
      }),
  );
}

/**
 * A tar of the tree mounted at `dir` (with what is mounted below it: the guest's /boot), numeric
 * owners, ACLs, xattrs and holes kept, compressed as asked.
 */
export async function writeTarball(
  ctx: WriterContext,
  dir: string,
  dest: string,
  compress: Compression,
): Promise<void> {
  const stages = [
    tarCreateArgv({ dir, sparse: true, oneFileSystem: false }),
    ...(compress === 'none' ? [] : [compressArgv(compress)]),
  ];
  await withProgress(
    { log: ctx.log, phase: 'tarball of the guest tree', sample: () => allocatedBytes(dest) },
    () =>
      runPipeline(stages, {
        ...pipelineOptions(
          ctx,
          dest,
          'the guest filesystem could not be read completely (run fsck on the disk), or the output directory is full',
        ),
        stdin: 'ignore',
      }),
  );
}

/** A level-0 dump(8) of the filesystem on `device` (zlib-compressed inside when asked). */
export async function writeDump(
  ctx: WriterContext,
  device: string,
  dest: string,
  compress: Compression,
): Promise<void> {
  await withProgress({ log: ctx.log, phase: `dump of ${device}`, sample: () => allocatedBytes(dest) }, () =>
    runPipeline([dumpArgv(device, compress)], {
      ...pipelineOptions(
        ctx,
        dest,
        'dump(8) could not read the filesystem (run fsck on the disk), or the output directory is full',
      ),
      stdin: 'ignore',
    }),
  );
}
