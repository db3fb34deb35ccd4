/**
 * Raw disk streams for export and import. The bytes never pass through Node: `dd` inherits our
 * stdout (export) or stdin (import) directly, so throughput is dd's own. Import never truncates,
 * creates or grows the target: it writes at most the disk's size and fails if the stream is longer.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readSync, statSync } from 'node:fs';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { TOOL_PATH } from '../process/tool-path.js';
import { bytesLeft, streamSampler, withProgress } from '../progress/index.js';

// The block size of `dd bs=1M`, the reference: the same I/O pattern, so only our start-up differs.
const BLOCK = 1024 * 1024;

/** Size in bytes of a file or block device. */
export function deviceSize(path: string): bigint {
  let st;
  try {
    st = statSync(path, { bigint: true });
  } catch (e) {
    throw new OsError(
      'E_DISK_MISSING',
      `disk ${path} does not exist (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      {
        hint: 'activate the instance disks (gnt-instance activate-disks) or check DISK_n_PATH',
      },
    );
  }
  if (st.isFile()) return st.size;
  if (st.isBlockDevice()) {
    const rdev = Number(st.rdev);
    const major = (rdev >>> 8) & 0xfff;
    const minor = (rdev & 0xff) | ((rdev >>> 12) & 0xfff00);
    const sectors = readFileSync(`/sys/dev/block/${major}:${minor}/size`, 'utf8').trim();
    return BigInt(sectors) * 512n;
  }
  throw new OsError('E_DISK_TYPE', `disk ${path} is neither a block device nor a regular file`, {
    hint: 'Ganeti passes the disk as DISK_n_PATH / EXPORT_DEVICE / IMPORT_DEVICE; check the disk template',
  });
}

function runDd(
  args: string[],
  stdio: ['inherit' | 'ignore', 'inherit' | 'ignore', 'pipe'],
  signal: AbortSignal,
  log: Logger,
): Promise<void> {
  log.debug(`$ dd ${args.join(' ')}`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn('dd', args, { stdio, env: { PATH: TOOL_PATH, LC_ALL: 'C' }, signal });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4096);
    });
    child.on('error', (e) => {
      reject(new OsError('E_COMMAND', `dd could not run: ${e.message}`));
    });
    child.on('exit', (code, sig) => {
      if (code === 0) return resolvePromise();
      const last = stderr.trim().split('\n').pop() ?? '';
      reject(
        new OsError(
          'E_STREAM',
          `dd failed (${sig ? `signal ${sig}` : `exit ${code ?? '?'}`})${last ? `: ${last}` : ''}`,
          {
            hint: 'check the disk and the transfer; rerun with DEBUG_LEVEL=1',
          },
        ),
      );
    });
  });
}

export async function exportRaw(
  device: string,
  reportSize: (n: bigint) => void,
  signal: AbortSignal,
  log: Logger,
): Promise<void> {
  const size = deviceSize(device);
  reportSize(size);
  log.debug(`exporting ${device}: ${size} bytes`);
  // dd writes to our stdout: what it has written of the disk's size, a line every 10 s in the log.
  const progress = {
    log,
    phase: `export ${device}`,
    total: Number(size),
    sample: streamSampler(1, 'write'),
    summary: 'long' as const,
  };
  await withProgress(progress, () =>
    runDd(
      [`if=${device}`, `bs=${BLOCK}`, 'iflag=fullblock', 'status=none'],
      ['ignore', 'inherit', 'pipe'],
      signal,
      log,
    ),
  );
}

export async function importRaw(
  device: string,
  inFd: number,
  signal: AbortSignal,
  log: Logger,
): Promise<void> {
  const size = deviceSize(device);
  log.debug(`importing into ${device}: at most ${size} bytes`);
  const progress = {
    log,
    phase: `import into ${device}`,
    total: bytesLeft(inFd),
    sample: streamSampler(inFd, 'read'),
    summary: 'long' as const,
  };
  await withProgress(progress, () =>
    runDd(
      [
        `of=${device}`,
        `bs=${BLOCK}`,
        'iflag=fullblock,count_bytes',
        `count=${size}`,
        'conv=nocreat,notrunc,fsync',
        'status=none',
      ],
      ['inherit', 'ignore', 'pipe'],
      signal,
      log,
    ),
  );
  // dd stopped at the disk's size; anything left on stdin did not fit.
  const probe = Buffer.alloc(1);
  let extra = 0;
  try {
    extra = readSync(inFd, probe, 0, 1, null);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
  }
  if (extra > 0) {
    throw new OsError(
      'E_STREAM_TOO_LARGE',
      `the import stream is larger than disk ${device} (${size} bytes); the disk holds its first ${size} bytes`,
      {
        hint: 'import into a disk at least as large as the exported one (gnt-backup import --disk 0:size=...)',
      },
    );
  }
}
