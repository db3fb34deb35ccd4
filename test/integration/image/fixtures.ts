/**
 * Real image files for the image tests, made with the real tools in a private temp dir: raw disks
 * with an msdos table, qcow2 (plain, with a backing file, with a data file), compressed raw images,
 * tarballs and dump(8) images. A recording Runner shows which tools ran.
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
  truncateSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecRunner } from '../../../src/process/runner.js';
import type { RunOptions, RunResult, Runner } from '../../../src/process/types.js';
import { isOsError } from '../../../src/runtime/errors.js';
import type { Logger } from '../../../src/runtime/logger.js';

export const MiB = 1024 * 1024;

export function sh(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; input?: string } = {},
): string {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * MiB, ...opts });
}

export function tempDir(prefix = 'ganeti-os-image-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A Runner that records every command line it runs. */
export class RecordingRunner implements Runner {
  readonly commands: string[] = [];
  private readonly inner: ExecRunner;
  constructor(log: Logger) {
    this.inner = new ExecRunner(log);
  }
  run(cmd: string, args: readonly string[], opts?: RunOptions): Promise<RunResult> {
    this.commands.push([cmd, ...args].join(' '));
    return this.inner.run(cmd, args, opts);
  }
}

/** The bytes written at `offset` in the raw test disks: recognisable, never all zero. */
export function pattern(size: number, seed = 1): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) b.writeUInt32LE((i * 2654435761 + seed) >>> 0, i);
  return b;
}

/**
 * A sparse raw disk of `size` bytes: an msdos table with one partition, `dataBytes` of pattern at
 * 1 MiB, and a hole after it up to the end.
 */
export function rawDisk(path: string, size: number, dataBytes = MiB): void {
  writeFileSync(path, '');
  truncateSync(path, size);
  sh('sfdisk', ['-q', path], { input: 'label: dos\n2048,,83\n' });
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, pattern(dataBytes), 0, dataBytes, MiB);
  } finally {
    closeSync(fd);
  }
}

/** Fill a file of `size` bytes with 0xa5, as a reused volume full of old data. */
export function staleTarget(path: string, size: number): void {
  const fd = openSync(path, existsSync(path) ? 'r+' : 'w');
  try {
    const chunk = Buffer.alloc(4 * MiB, 0xa5);
    for (let off = 0; off < size; off += chunk.length)
      writeSync(fd, chunk, 0, Math.min(chunk.length, size - off), off);
  } finally {
    closeSync(fd);
  }
}

/** A dump(8) of a small ext4 filesystem made from `tree` (dump needs a block device: a loop). */
export function dumpOf(tree: string, out: string, work: string): void {
  const fs = join(work, 'dump-src.img');
  writeFileSync(fs, '');
  truncateSync(fs, 16 * MiB);
  sh('mkfs.ext4', ['-q', '-F', '-d', tree, fs]);
  const loop = sh('losetup', ['--find', '--show', fs]).trim();
  try {
    sh('dump', ['-0', '-q', '-f', out, loop]);
  } finally {
    sh('losetup', ['-d', loop]);
    rmSync(fs);
  }
}

export async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isOsError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected an error');
}
