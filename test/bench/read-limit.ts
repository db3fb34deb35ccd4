/**
 * Limiting how fast this process and its children read from one disk, to compare two programs at a
 * disk speed slower than this machine's: a block-I/O cgroup (v1 `blkio.throttle.read_bps_device`,
 * or v2 `io.max rbps=`) for the whole disk holding a path. Writes are left alone (page-cache
 * writeback is not charged to the cgroup in v1 anyway). Both sides of a comparison run inside it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const V1 = '/sys/fs/cgroup/blkio';
const V2 = '/sys/fs/cgroup';
const NAME = 'ganeti-os-bench-read-limit';

/** The whole disk's MAJ:MIN under the filesystem holding `path` (a partition maps to its disk). */
export function diskOf(path: string): string {
  const majMin = execFileSync('findmnt', ['-n', '-o', 'MAJ:MIN', '--target', path], { encoding: 'utf8' })
    .trim()
    .split('\n')[0]!
    .trim();
  const sys = realpathSync(`/sys/dev/block/${majMin}`);
  return existsSync(join(sys, 'partition'))
    ? readFileSync(join(sys, '..', 'dev'), 'utf8').trim()
    : readFileSync(join(sys, 'dev'), 'utf8').trim();
}

interface Limit {
  procs: string;
  parentProcs: string;
  dir: string;
}

/** Why reads cannot be limited here (no blkio or io controller to use), or undefined when they can. */
export function readLimitUnavailable(): string | undefined {
  if (existsSync(join(V1, 'blkio.throttle.read_bps_device'))) return undefined;
  const controllers = existsSync(join(V2, 'cgroup.controllers'))
    ? readFileSync(join(V2, 'cgroup.controllers'), 'utf8').split(/\s+/)
    : [];
  return controllers.includes('io') ? undefined : 'no block-I/O cgroup controller (blkio or io) is available';
}

function enter(disk: string, bytesPerSecond: number): Limit {
  if (existsSync(join(V1, 'blkio.throttle.read_bps_device'))) {
    const dir = join(V1, NAME);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'blkio.throttle.read_bps_device'), `${disk} ${bytesPerSecond}\n`);
    return { dir, procs: join(dir, 'cgroup.procs'), parentProcs: join(V1, 'cgroup.procs') };
  }
  if (existsSync(join(V2, 'cgroup.subtree_control'))) {
    writeFileSync(join(V2, 'cgroup.subtree_control'), '+io\n');
    const dir = join(V2, NAME);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'io.max'), `${disk} rbps=${bytesPerSecond}\n`);
    return { dir, procs: join(dir, 'cgroup.procs'), parentProcs: join(V2, 'cgroup.procs') };
  }
  throw new Error('no block-I/O cgroup controller (blkio or io) is available');
}

/**
 * Run `fn` with reads from the disk holding `path` limited to `bytesPerSecond` for this process and
 * every child it starts meanwhile; the limit is lifted (and its cgroup removed) afterwards.
 */
export async function withReadLimit<T>(
  path: string,
  bytesPerSecond: number,
  fn: () => Promise<T>,
): Promise<T> {
  const limit = enter(diskOf(path), bytesPerSecond);
  writeFileSync(limit.procs, `${process.pid}\n`);
  try {
    return await fn();
  } finally {
    writeFileSync(limit.parentProcs, `${process.pid}\n`);
    try {
      rmdirSync(limit.dir);
    } catch {
      // a child still inside (it exits soon); the empty group is reused next time
    }
  }
}

/** For messages: "500 MB/s on vda". */
export function describeLimit(path: string, bytesPerSecond: number): string {
  const disk = diskOf(path);
  const name = basename(realpathSync(`/sys/dev/block/${disk}`));
  return `${Math.round(bytesPerSecond / 1e6)} MB/s on ${name}`;
}
