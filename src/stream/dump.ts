/**
 * Restoring a dump(8) stream (instance-debootstrap's export format: `dump -0 -f -` of the root
 * filesystem) into a fresh, mounted filesystem with restore(8). The stream's first bytes were
 * already read to recognise it; they are fed back first. restore keeps its temporary files in a
 * private directory of its own (TMPDIR), and the `restoresymtable` it leaves in the target for
 * incremental restores is removed.
 *
 * restore exits 0 on a stream that ends early: it says "End-of-input encountered" on stdout and
 * names each file it did not find on stderr. Either makes the import fail here.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPipeline } from '../process/pipeline.js';
import { bytesLeft, streamSampler, withProgress } from '../progress/index.js';
import { OsError } from '../runtime/errors.js';
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
    const report = join(tmp, 'report');
    await writeFile(first, head, { mode: 0o600 });
    opts.log.debug(`restoring a dump stream into ${target}`);
    const progress = {
      log: opts.log,
      phase: 'restore the dump',
      total: bytesLeft(inFd),
      sample: streamSampler(inFd, 'read'),
      summary: 'long' as const,
    };
    const results = await withProgress(progress, () =>
      runPipeline(
        [
          ['cat', first, '-'],
          ['restore', '-r', '-y', '-f', '-'],
        ],
        {
          log: opts.log,
          signal: opts.signal,
          stdin: inFd,
          stdout: { path: report },
          cwd: target,
          env: { TMPDIR: tmp },
          code: 'E_IMPORT_TREE',
          hint: 'the dump stream is damaged or truncated; export it again',
        },
      ),
    );
    const said = `${await readFile(report, 'utf8')}\n${results.at(-1)?.stderrTail ?? ''}`;
    const incomplete = /End-of-(input|tape) encountered|not found on (tape|media)/i.exec(said);
    if (incomplete) {
      throw new OsError('E_IMPORT_TREE', `the dump stream is incomplete (restore: ${incomplete[0]})`, {
        hint: 'the dump stream is damaged or truncated; export it again',
      });
    }
    await rm(join(target, 'restoresymtable'), { force: true });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
