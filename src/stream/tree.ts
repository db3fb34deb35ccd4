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
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';

export const TREE_TAR_FLAGS = ['--acls', '--xattrs', '--xattrs-include=*', '--numeric-owner'] as const;

export interface TreeStreamOptions {
  log: Logger;
  signal?: AbortSignal;
}

/** Write the tree mounted at `mountedRoot` (this filesystem only) as a tar stream to `outFd`. */
export async function exportTree(mountedRoot: string, outFd: number, opts: TreeStreamOptions): Promise<void> {
  opts.log.info(`exporting the files below ${mountedRoot} as a tar stream`);
  await runPipeline(
    [['tar', ...TREE_TAR_FLAGS, '--sparse', '--one-file-system', '-C', mountedRoot, '-cf', '-', '.']],
    {
      log: opts.log,
      signal: opts.signal,
      stdin: 'ignore',
      stdout: outFd,
      code: 'E_EXPORT_TREE',
      hint: 'the guest filesystem could not be read completely; run fsck on the disk and retry',
    },
  );
}

async function assertEmpty(target: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(target);
  } catch (e) {
    throw new OsError(
      'E_IMPORT_TARGET',
      `import target ${target} is not a readable directory: ${(e as Error).message}`,
      { cause: e },
    );
  }
  const extra = names.filter((n) => n !== 'lost+found');
  if (extra.length > 0) {
    throw new OsError(
      'E_IMPORT_TARGET',
      `import target ${target} is not empty (${extra.slice(0, 3).join(', ')}${extra.length > 3 ? ', ...' : ''})`,
      {
        hint: 'import into a freshly made filesystem',
      },
    );
  }
}

/** Extract a tar stream read from `inFd` into the empty directory `target`. */
export async function importTree(target: string, inFd: number, opts: TreeStreamOptions): Promise<void> {
  await assertEmpty(target);
  opts.log.info(`importing a tar stream into ${target}`);
  await runPipeline([['tar', ...TREE_TAR_FLAGS, '-xpf', '-', '-C', target]], {
    log: opts.log,
    signal: opts.signal,
    stdin: inFd,
    stdout: 'ignore',
    code: 'E_IMPORT_TREE',
    hint: 'the stream is damaged or holds members outside the target (see the tar messages above)',
  });
}
