/**
 * The OS directory's `variants.list`: published variants, one per line, the default first (Ganeti
 * uses the first line when an instance names no variant). No comments and no blank lines, so any
 * Ganeti version reads it the same way. Rewritten atomically and only when its content changes.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { OsError } from '../runtime/errors.js';
import type { VariantSummary } from './list.js';

/** The file's content for these variants (empty when none is published). */
export function renderVariantsList(variants: readonly VariantSummary[]): string {
  const names = variants.filter((v) => v.published).map((v) => v.name);
  return names.length === 0 ? '' : names.join('\n') + '\n';
}

export interface SyncResult {
  file: string;
  changed: boolean;
}

/** Write `<osDir>/variants.list` with `content` unless it already holds exactly that. */
export async function syncVariantsList(osDir: string, content: string): Promise<SyncResult> {
  const file = path.join(osDir, 'variants.list');
  let current: string | undefined;
  try {
    current = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new OsError('E_VARIANTS_LIST', `cannot read ${file} (${(e as NodeJS.ErrnoException).code})`, {
        cause: e,
      });
    }
  }
  if (current === content) return { file, changed: false };
  const tmp = path.join(osDir, `.variants.list.${process.pid}.${randomBytes(4).toString('hex')}`);
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(content);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new OsError(
      'E_VARIANTS_LIST',
      `cannot write ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      {
        cause: e,
        hint: 'check that the OS directory exists and is writable',
      },
    );
  }
  return { file, changed: true };
}
