/**
 * Capture outputs appear whole or not at all: each is written to a fresh hidden name beside its
 * final name (removed by the cleanup stack on failure or signal), flushed, and renamed over the
 * final name at the end. Scratch files (a copy being generalized) are always removed. An existing
 * output is refused unless the caller forces its replacement.
 */
import { randomBytes } from 'node:crypto';
import { lstatSync, rmSync, statSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsyncPath } from '../fs/atomic.js';
import type { CleanupStack, CleanupHandle } from '../runtime/cleanup.js';
import { OsError } from '../runtime/errors.js';

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** Whether `path` is an existing directory (following a symlink: the admin's own path). */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Refuse outputs that exist (unless `force`), a directory in their place, or a missing directory. */
export function checkOutputs(paths: readonly string[], force: boolean): void {
  for (const path of paths) {
    if (!isDirectory(dirname(path)))
      throw new OsError('E_USAGE', `output directory ${dirname(path)} does not exist`, {
        hint: 'create it first, or write the image elsewhere',
      });
    const st = lstatOrUndefined(path);
    if (!st) continue;
    if (st.isDirectory())
      throw new OsError('E_OUTPUT_EXISTS', `${path} exists already and is a directory`, {
        hint: 'choose another output name',
      });
    if (!force)
      throw new OsError('E_OUTPUT_EXISTS', `${path} exists already`, {
        hint: 'pass --force to replace it, or choose another output name',
      });
  }
}

interface Pending {
  temp: string;
  final: string;
  handle: CleanupHandle;
}

export class OutputFiles {
  private readonly pending: Pending[] = [];

  constructor(private readonly stack: CleanupStack) {}

  private reserve(final: string, tag: string): { path: string; handle: CleanupHandle } {
    const path = join(dirname(final), `.${basename(final)}.${tag}-${randomBytes(6).toString('hex')}`);
    const handle = this.stack.push(`remove ${path}`, () => rmSync(path, { force: true }));
    return { path, handle };
  }

  /** A temporary name for `final`, renamed over it by commit(). */
  temp(final: string): string {
    const { path, handle } = this.reserve(final, 'partial');
    this.pending.push({ temp: path, final, handle });
    return path;
  }

  /** A scratch file beside `final`, removed when released (or when the stack unwinds). */
  scratch(final: string): { path: string; release: () => Promise<void> } {
    const { path, handle } = this.reserve(final, 'scratch');
    return { path, release: () => handle.release() };
  }

  /** The outputs written so far: temporary and final names. */
  files(): { temp: string; final: string }[] {
    return this.pending.map((p) => ({ temp: p.temp, final: p.final }));
  }

  /** Flush every temporary output and rename it over its final name; returns the final names. */
  async commit(): Promise<string[]> {
    for (const p of this.pending) await fsyncPath(p.temp);
    const done: string[] = [];
    for (const p of this.pending) {
      await rename(p.temp, p.final);
      p.handle.dismiss();
      done.push(p.final);
    }
    for (const dir of new Set(done.map((d) => dirname(d)))) await fsyncPath(dir);
    this.pending.length = 0;
    return done;
  }
}
