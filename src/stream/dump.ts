/**
 * Restoring a dump(8) stream (instance-debootstrap's export format: `dump -0 -f -` of the root
 * filesystem) into a fresh, mounted filesystem with restore(8). The stream's first bytes were
 * already read to recognise it; they are fed back first. restore keeps its temporary files in a
 * private directory of its own (TMPDIR), and the `restoresymtable` it leaves in the target for
 * incremental restores is removed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPipeline } from '../process/pipeline.js';
import type { Logger } from '../runtime/logger.js';

export async function restoreDump(
  target: string,
  head: Buffer,
  inFd: number,
  opts: { log: Logger; signal?: AbortSignal },
): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'ganeti-os-restore-'));
  try {
    const first = join(tmp, 'head');
    await writeFile(first, head, { mode: 0o600 });
    opts.log.debug(`restoring a dump stream into ${target}`);
    await runPipeline(
      [
        ['cat', first, '-'],
        ['restore', '-r', '-y', '-f', '-'],
      ],
      {
        log: opts.log,
        signal: opts.signal,
        stdin: inFd,
        stdout: 'ignore',
        cwd: target,
        env: { TMPDIR: tmp },
        code: 'E_IMPORT_TREE',
        hint: 'the dump stream is damaged or truncated; export it again',
      },
    );
    await rm(join(target, 'restoresymtable'), { force: true });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
