/**
 * captureImage: make an image from a stopped instance's disk (or a raw image file), in one of the
 * formats the image provider deploys: raw (optionally one compressed stream), qcow2, a tarball of
 * the guest tree, or dump(8)s of its root and /boot filesystems.
 *
 * The disk is only read: tree formats mount it read-only, and --generalize works on a copy (the
 * raw output itself, or a scratch copy beside the output that is removed afterwards). Outputs are
 * written under temporary names and renamed at the end, then `FILE.sha256` is written and, on
 * request, the directory's SHA256SUMS updated. Everything acquired is on the caller's cleanup stack.
 */
import { rmSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { openDisk, type OpenedDisk } from '../disk/index.js';
import type { Runner } from '../process/types.js';
import { CleanupStack } from '../runtime/cleanup.js';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { generalizeGuest } from './generalize.js';
import { checkOutputs, isDirectory, OutputFiles } from './output.js';
import { planCapture, type CaptureFormat, type CapturePlan, type Compression } from './plan.js';
import { checkCaptureSource } from './source.js';
import { addToSums, sha256File, writeSidecar } from './sums.js';
import { compressRaw, copyRaw, writeDump, writeQcow2, writeTarball, type WriterContext } from './writers.js';

export interface CaptureOptions {
  /** The disk: a block device, a file disk or a raw image file. */
  disk: string;
  /** The output file (a directory for dumps named the instance-image way). */
  output: string;
  format?: CaptureFormat;
  compress?: Compression;
  generalize?: boolean;
  /** Write `FILE.sha256` beside each output (default true). */
  checksum?: boolean;
  /** Add the outputs to SHA256SUMS in the output directory. */
  sums?: boolean;
  /** Replace existing outputs. */
  force?: boolean;
  /** Dumps into a directory: `<name>-<arch>-root.dump` (defaults: the disk's name, the node's arch). */
  name?: string;
  arch?: string;
  /** When neither --format nor the output name tells the format. */
  defaultFormat?: CaptureFormat;
  runner: Runner;
  /** For undo steps after a signal (see DiskContext); defaults to `runner`. */
  cleanupRunner?: Runner;
  stack: CleanupStack;
  log: Logger;
  signal?: AbortSignal;
}

export interface CapturedFile {
  /** The output file; its checksum is in `<path>.sha256`. */
  path: string;
  /** '' when no checksum was asked for. */
  sha256: string;
}

export interface CaptureResult {
  format: CaptureFormat;
  compress: Compression;
  generalized: boolean;
  files: CapturedFile[];
  sums?: string;
  seconds: number;
}

const DUMP_FILESYSTEMS = new Set(['ext2', 'ext3', 'ext4']);

interface Run {
  o: CaptureOptions;
  plan: CapturePlan;
  out: OutputFiles;
  w: WriterContext;
  source: string;
}

/** Open a disk on a cleanup stack of its own; closing it unwinds that stack. */
async function open(
  run: Run,
  path: string,
  readOnly: boolean,
): Promise<{ disk: OpenedDisk; close: () => Promise<void> }> {
  const { o } = run;
  const sub = new CleanupStack(o.log);
  const h = o.stack.push(`close ${path}`, async () => {
    await sub.unwind();
  });
  const disk = await openDisk({
    path,
    readOnly,
    runner: o.runner,
    ...(o.cleanupRunner ? { cleanupRunner: o.cleanupRunner } : {}),
    log: o.log,
    stack: sub,
  });
  return { disk, close: () => h.release() };
}

/** A raw copy of the source at `dest`, generalized. */
async function generalizedCopy(run: Run, dest: string): Promise<void> {
  await copyRaw(run.w, run.source, dest);
  const { disk, close } = await open(run, dest, false);
  try {
    await generalizeGuest(disk.target, run.o.log);
  } finally {
    await close();
  }
}

async function captureRaw(run: Run): Promise<void> {
  const { plan, out, o } = run;
  const dest = out.temp(plan.output);
  if (plan.compress === 'none') {
    if (o.generalize) await generalizedCopy(run, dest);
    else await copyRaw(run.w, run.source, dest);
    return;
  }
  if (!o.generalize) return compressRaw(run.w, run.source, dest, plan.compress);
  const scratch = out.scratch(plan.output);
  await generalizedCopy(run, scratch.path);
  await compressRaw(run.w, scratch.path, dest, plan.compress);
  await scratch.release();
}

async function captureQcow2(run: Run): Promise<void> {
  const { plan, out, o } = run;
  const dest = out.temp(plan.output);
  if (!o.generalize) return writeQcow2(run.w, run.source, dest, plan.compress);
  const scratch = out.scratch(plan.output);
  await generalizedCopy(run, scratch.path);
  await writeQcow2(run.w, scratch.path, dest, plan.compress);
  await scratch.release();
}

/** tarball and dump: the guest tree, from the disk read-only or from a generalized copy. */
async function captureTree(run: Run): Promise<void> {
  const { plan, out, o } = run;
  const scratch = o.generalize ? out.scratch(plan.output) : undefined;
  if (scratch) await copyRaw(run.w, run.source, scratch.path);
  const { disk, close } = await open(run, scratch?.path ?? run.source, !scratch);
  try {
    if (scratch) {
      await generalizeGuest(disk.target, o.log);
      // dump(8) reads the block device: everything written must be on it, and stay as it is.
      await o.runner.run('mount', ['-o', 'remount,ro', disk.target], { code: 'E_CAPTURE' });
    }
    if (plan.format === 'tarball') {
      await writeTarball(run.w, disk.target, out.temp(plan.output), plan.compress);
    } else {
      for (const part of [disk.root, disk.boot]) {
        if (part?.fstype && !DUMP_FILESYSTEMS.has(part.fstype))
          throw new OsError(
            'E_CAPTURE_FORMAT',
            `dump(8) reads ext2/3/4 filesystems only; ${part.device} holds ${part.fstype}`,
            { hint: 'capture this guest as a tarball (--format tarball)' },
          );
      }
      await writeDump(run.w, disk.root.device, out.temp(plan.output), plan.compress);
      if (disk.boot && plan.bootOutput) {
        await writeDump(run.w, disk.boot.device, out.temp(plan.bootOutput), plan.compress);
      }
    }
  } finally {
    await close();
    await scratch?.release();
  }
}

export async function captureImage(o: CaptureOptions): Promise<CaptureResult> {
  const started = Date.now();
  const output = resolve(o.output);
  const plan = planCapture({
    disk: o.disk,
    output,
    outputIsDir: isDirectory(output),
    ...(o.format ? { format: o.format } : {}),
    ...(o.compress ? { compress: o.compress } : {}),
    ...(o.name ? { name: o.name } : {}),
    ...(o.arch ? { arch: o.arch } : {}),
    ...(o.defaultFormat ? { defaultFormat: o.defaultFormat } : {}),
  });
  checkOutputs([plan.output, ...(plan.bootOutput ? [plan.bootOutput] : [])], o.force ?? false);
  const disk = await checkCaptureSource(o.runner, o.disk);
  const run: Run = {
    o,
    plan,
    out: new OutputFiles(o.stack),
    w: { runner: o.runner, log: o.log, ...(o.signal ? { signal: o.signal } : {}) },
    source: disk.real,
  };
  o.log.info(
    `capturing ${o.disk} as ${plan.format}${plan.compress === 'none' ? '' : ` (${plan.compress})`}${o.generalize ? ', generalized' : ''} into ${plan.output}`,
  );
  switch (plan.format) {
    case 'raw':
      await captureRaw(run);
      break;
    case 'qcow2':
      await captureQcow2(run);
      break;
    case 'tarball':
    case 'dump':
      await captureTree(run);
      break;
  }
  const hashed = o.checksum !== false || o.sums;
  const files: CapturedFile[] = [];
  for (const f of run.out.files())
    files.push({ path: f.final, sha256: hashed ? await sha256File(f.temp) : '' });
  const written = await run.out.commit();
  // A boot dump of an earlier capture must not be taken for this guest's /boot.
  if (plan.bootOutput && !written.includes(plan.bootOutput)) {
    for (const stale of [plan.bootOutput, `${plan.bootOutput}.sha256`]) rmSync(stale, { force: true });
  }
  if (o.checksum !== false) for (const f of files) await writeSidecar(f.path, f.sha256);
  const result: CaptureResult = {
    format: plan.format,
    compress: plan.compress,
    generalized: o.generalize ?? false,
    files,
    seconds: (Date.now() - started) / 1000,
  };
  if (o.sums) {
    result.sums = await addToSums(
      plan.dir,
      files.map((f) => ({ name: basename(f.path), sha256: f.sha256 })),
      { log: o.log, ...(o.signal ? { signal: o.signal } : {}) },
    );
  }
  o.log.info(
    `captured ${files.map((f) => (f.sha256 ? `${f.path} (sha256 ${f.sha256.slice(0, 12)}…)` : f.path)).join(', ')}`,
  );
  return result;
}
