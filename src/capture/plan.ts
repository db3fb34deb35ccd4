/**
 * What a capture writes, decided before anything is opened (pure): the format and compression
 * (given, or read from the output name), the output files (a dump names its files the way
 * ganeti-instance-image looks them up), and the tool command lines that write them.
 *
 * Dump naming: an output directory gets `<name>-<arch>-root.dump` (and `<name>-<arch>-boot.dump`
 * when the guest has a separate /boot); an output file FILE is the root dump itself and the boot
 * dump is FILE without `.dump` and without a trailing `-root`, plus `-boot.dump`
 * (`golden-x86_64-root.dump` -> `golden-x86_64-boot.dump`, `golden.dump` -> `golden-boot.dump`).
 */
import { basename, dirname, join } from 'node:path';
import { OsError } from '../runtime/errors.js';

export const CAPTURE_FORMATS = ['raw', 'qcow2', 'tarball', 'dump'] as const;
export type CaptureFormat = (typeof CAPTURE_FORMATS)[number];

export const COMPRESSIONS = ['zstd', 'xz', 'gzip', 'none'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** The compressions each format can write, the first one being its default. */
const ALLOWED: Record<CaptureFormat, readonly Compression[]> = {
  raw: ['none', 'zstd', 'xz', 'gzip'],
  qcow2: ['none', 'zstd', 'gzip'],
  tarball: ['zstd', 'xz', 'gzip', 'none'],
  dump: ['none', 'gzip'],
};

const WHY_NOT: Partial<Record<CaptureFormat, string>> = {
  qcow2: 'qcow2 compresses its clusters with zstd or zlib (--compress zstd or gzip)',
  dump: 'dump(8) compresses with zlib only (--compress gzip)',
};

/** Output name endings and what they say (longest first). */
const SUFFIXES: readonly [string, CaptureFormat, Compression | undefined][] = [
  ['.tar.zstd', 'tarball', 'zstd'],
  ['.tar.zst', 'tarball', 'zstd'],
  ['.tar.gz', 'tarball', 'gzip'],
  ['.tar.xz', 'tarball', 'xz'],
  ['.tzst', 'tarball', 'zstd'],
  ['.tgz', 'tarball', 'gzip'],
  ['.txz', 'tarball', 'xz'],
  ['.tar', 'tarball', 'none'],
  ['.qcow2', 'qcow2', undefined],
  ['.dump', 'dump', undefined],
  ['.zst', 'raw', 'zstd'],
  ['.gz', 'raw', 'gzip'],
  ['.xz', 'raw', 'xz'],
  ['.raw', 'raw', 'none'],
  ['.img', 'raw', 'none'],
];

export interface CapturePlanInput {
  /** The disk captured (its base name is the default dump name). */
  disk: string;
  /** Absolute output path: a file, or a directory for dumps. */
  output: string;
  outputIsDir: boolean;
  format?: CaptureFormat;
  compress?: Compression;
  /** Dump file names in a directory: `<name>-<arch>-root.dump`. */
  name?: string;
  arch?: string;
  /** The format when neither --format nor the output name says (build: raw). */
  defaultFormat?: CaptureFormat;
}

export interface CapturePlan {
  format: CaptureFormat;
  compress: Compression;
  /** The output file (for a dump: the root dump). */
  output: string;
  /** Dump only: where the boot dump goes when the guest has a separate /boot. */
  bootOutput?: string;
  /** The directory of the outputs (SHA256SUMS lives there). */
  dir: string;
}

function formatError(message: string, hint: string): OsError {
  return new OsError('E_CAPTURE_FORMAT', message, { hint });
}

/** What the output name says about the format and compression, if anything. */
export function formatFromName(
  file: string,
): { format: CaptureFormat; compress: Compression | undefined } | undefined {
  const lower = file.toLowerCase();
  for (const [suffix, format, compress] of SUFFIXES) if (lower.endsWith(suffix)) return { format, compress };
  return undefined;
}

/** The node's architecture as instance-image names it (ARCH): x86_64, aarch64, i386, ... */
export function nodeArch(arch: string = process.arch): string {
  const map: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i386', arm: 'armhf' };
  return map[arch] ?? arch;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

function dumpName(what: string, value: string): string {
  if (!NAME.test(value))
    throw new OsError('E_USAGE', `--${what} ${JSON.stringify(value)} is not usable in a file name`, {
      hint: 'use letters, digits, dots, dashes, underscores and plus signs',
    });
  return value;
}

/** The boot dump beside a root dump FILE (see the module comment). */
export function bootDumpPath(rootDump: string): string {
  const stem = basename(rootDump)
    .replace(/\.dump$/, '')
    .replace(/-root$/, '');
  return join(dirname(rootDump), `${stem}-boot.dump`);
}

/** The disk's base name without its extension (the default image name). */
function defaultName(disk: string): string {
  const base = basename(disk).replace(/\.[^.]*$/, '');
  const safe = base.replace(/[^A-Za-z0-9._+-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return safe || 'image';
}

export function planCapture(i: CapturePlanInput): CapturePlan {
  if (/[\n\r\\]/.test(i.output))
    throw new OsError('E_USAGE', `output ${JSON.stringify(i.output)} has a newline or backslash`, {
      hint: 'choose a plain file name (it is written into SHA256SUMS)',
    });
  const named = i.outputIsDir ? undefined : formatFromName(i.output);
  const format = i.format ?? (i.outputIsDir ? 'dump' : named?.format) ?? i.defaultFormat;
  if (!format)
    throw formatError(
      `cannot tell the image format from the name ${basename(i.output)}`,
      'pass --format raw, qcow2, tarball or dump (or name the output .raw, .qcow2, .tar.zst, .dump)',
    );
  if (i.outputIsDir && format !== 'dump')
    throw new OsError('E_USAGE', `output ${i.output} is a directory`, {
      hint: 'name the output file (only dumps are written into a directory)',
    });
  const implied = named?.format === format ? named.compress : undefined;
  if (i.compress && implied && i.compress !== implied)
    throw formatError(
      `the name ${basename(i.output)} says ${implied} compression but --compress ${i.compress} was given`,
      'make the name and --compress agree',
    );
  const compress = i.compress ?? implied ?? ALLOWED[format][0]!;
  if (!ALLOWED[format].includes(compress))
    throw formatError(
      `${format} images cannot be compressed with ${compress}`,
      WHY_NOT[format] ?? `use --compress ${ALLOWED[format].join(', ')}`,
    );
  if (format !== 'dump') return { format, compress, output: i.output, dir: dirname(i.output) };
  if (!i.outputIsDir)
    return { format, compress, output: i.output, bootOutput: bootDumpPath(i.output), dir: dirname(i.output) };
  const stem = `${dumpName('name', i.name ?? defaultName(i.disk))}-${dumpName('arch', i.arch ?? nodeArch())}`;
  return {
    format,
    compress,
    output: join(i.output, `${stem}-root.dump`),
    bootOutput: join(i.output, `${stem}-boot.dump`),
    dir: i.output,
  };
}

/** argv of a compressor reading stdin and writing stdout. */
export function compressArgv(c: Exclude<Compression, 'none'>): string[] {
  switch (c) {
    case 'zstd':
      return ['zstd', '-q', '-T0', '-c'];
    case 'xz':
      return ['xz', '-T0', '-c'];
    case 'gzip':
      return ['gzip', '-c'];
  }
}

/** qemu-img arguments copying a raw disk to a raw file (zero blocks become holes). */
export function rawCopyArgs(source: string, dest: string): string[] {
  return ['convert', '-f', 'raw', '-O', 'raw', source, dest];
}

/** qemu-img arguments converting a raw disk to qcow2, with compressed clusters when asked. */
export function qcow2Args(source: string, dest: string, compress: Compression): string[] {
  const c =
    compress === 'none' ? [] : ['-c', '-o', `compression_type=${compress === 'zstd' ? 'zstd' : 'zlib'}`];
  return ['convert', '-f', 'raw', '-O', 'qcow2', ...c, source, dest];
}

/** dump(8) of one filesystem to stdout, never asking for an operator (-q). */
export function dumpArgv(device: string, compress: Compression): string[] {
  return ['dump', '-0', '-q', ...(compress === 'gzip' ? ['-z6'] : []), '-f', '-', device];
}
