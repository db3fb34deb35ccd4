/**
 * File-level export and import of a guest filesystem as a GNU tar stream, for any filesystem type
 * (ext*, xfs, btrfs, ...): owners, modes, hardlinks, ACLs, xattrs (file capabilities included),
 * sparse files, device nodes and fifos survive. Export writes straight to the given fd (Ganeti's
 * stdout) and import reads straight from one (stdin): the data never passes through Node.
 *
 * An import is untrusted input. GNU tar's defaults are kept on purpose: members with `..` and
 * absolute names are refused or stripped, and a symlink whose target is absolute or contains `..`
 * is only created after everything else has been extracted (tar's placeholder mechanism), so a
 * later member cannot be written through it. A refused member makes tar exit non-zero, which fails
 * the import. The target must be empty (a fresh filesystem; lost+found is allowed), because tar does
 * follow symlinks that already exist in the target.
 *
 * A tar stream's size is not known in advance, so tree exports report no EXP_SIZE_FD value.
 */
import { readdir } from 'node:fs/promises';
import { runPipeline } from '../process/pipeline.js';
import { bytesLeft, streamSampler, withProgress } from '../progress/index.js';
import { tarCreateArgv, tarExtractArgv } from './tar.js';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';

export interface TreeStreamOptions {
  log: Logger;
  signal?: AbortSignal;
}

export interface ExportTreeOptions extends TreeStreamOptions {
  /**
   * Stay on the filesystem of `mountedRoot` (default). A guest's disk mounted with its own /boot
   * below it wants both: pass false; nothing else is mounted there.
   */
  oneFileSystem?: boolean;
}

/** Write the tree mounted at `mountedRoot` as a tar stream to `outFd`. */
export async function exportTree(mountedRoot: string, outFd: number, opts: ExportTreeOptions): Promise<void> {
  opts.log.debug(`exporting the files below ${mountedRoot} as a tar stream`);
  // The bytes tar has written so far (its stdout is the output), a line every 10 s in the log.
  const sample = streamSampler(outFd, 'write');
  await withProgress({ log: opts.log, phase: 'export the file tree', sample, summary: 'long' }, () =>
    runPipeline(
      [tarCreateArgv({ dir: mountedRoot, sparse: true, oneFileSystem: opts.oneFileSystem ?? true })],
      {
        log: opts.log,
        signal: opts.signal,
        stdin: 'ignore',
        stdout: outFd,
        code: 'E_EXPORT_TREE',
        hint: 'the guest filesystem could not be read completely; run fsck on the disk and retry',
      },
    ),
  );
}

/**
 * What keeps `dir` from being an empty target: anything but lost+found and directories that are
 * themselves empty in this sense (mount points and the directories the disk layer made, such as a
 * separate /boot or /boot/efi). A symlink or file is never allowed: tar would follow an existing
 * symlink.
 */
async function leftovers(dir: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (prefix === '' && e.name === 'lost+found') continue;
    if (e.isDirectory()) found.push(...(await leftovers(`${dir}/${e.name}`, `${prefix}${e.name}/`)));
    else found.push(`${prefix}${e.name}`);
  }
  return found;
}

async function assertEmpty(target: string): Promise<void> {
  let extra: string[];
  try {
    extra = await leftovers(target);
  } catch (e) {
    throw new OsError(
      'E_IMPORT_TARGET',
      `import target ${target} is not a readable directory: ${(e as Error).message}`,
      { cause: e },
    );
  }
  if (extra.length > 0) {
    throw new OsError(
      'E_IMPORT_TARGET',
      `import target ${target} is not empty (${extra.slice(0, 3).join(', ')}${extra.length > 3 ? ', ...' : ''})`,
      { hint: 'import into a freshly made filesystem' },
    );
  }
}

/** Extract a tar stream read from `inFd` into the empty directory `target`. */
export async function importTree(target: string, inFd: number, opts: TreeStreamOptions): Promise<void> {
  await assertEmpty(target);
  opts.log.debug(`importing a tar stream into ${target}`);
  const progress = {
    log: opts.log,
    phase: 'import the file tree',
    total: bytesLeft(inFd),
    sample: streamSampler(inFd, 'read'),
    summary: 'long' as const,
  };
  await withProgress(progress, () =>
    runPipeline([tarExtractArgv({ dir: target, pipe: true })], {
      log: opts.log,
      signal: opts.signal,
      stdin: inFd,
      stdout: 'ignore',
      code: 'E_IMPORT_TREE',
      hint: 'the stream is damaged or holds members outside the target (see the tar messages above)',
    }),
  );
}
