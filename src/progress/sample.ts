/**
 * Measuring work that runs in other processes without passing its data through Node: the space a
 * file being written takes, the position of a file descriptor a tool shares with us, and for pipes
 * the bytes our child processes have read from or written to one (/proc/<pid>/io). Each sample is
 * a few reads of /proc; a failed one returns undefined (nothing to report this time).
 */
import { fstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';

/** Bytes `path` takes on disk so far (the holes of a sparse copy do not count). */
export function allocatedBytes(path: string): number | undefined {
  try {
    return statSync(path).blocks * 512;
  } catch {
    return undefined;
  }
}

/** The `pos:` of /proc/self/fdinfo/<fd> text (pure). */
export function parseFdinfoPos(text: string): number | undefined {
  const m = /^pos:\s*(\d+)$/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** The rchar / wchar counters of /proc/<pid>/io text (pure). */
export function parseProcIo(text: string): { read: number; written: number } | undefined {
  const r = /^rchar:\s*(\d+)$/m.exec(text);
  const w = /^wchar:\s*(\d+)$/m.exec(text);
  return r && w ? { read: Number(r[1]), written: Number(w[1]) } : undefined;
}

/** The offset of `fd` (shared with every process it was handed to). */
export function fdPosition(fd: number): number | undefined {
  try {
    return parseFdinfoPos(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  } catch {
    return undefined;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function link(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** The parent pid in /proc/<pid>/stat text (pure; the command name may hold spaces and parentheses). */
export function parseStatPpid(text: string): number | undefined {
  const rest = text
    .slice(text.lastIndexOf(')') + 1)
    .trim()
    .split(/\s+/);
  const ppid = Number(rest[1]);
  return Number.isInteger(ppid) && rest.length > 1 ? ppid : undefined;
}

/** The direct children of this process (from /proc/<pid>/stat: kernels may lack .../children). */
function children(): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    const stat = readText(`/proc/${n}/stat`);
    if (stat !== undefined && parseStatPpid(stat) === process.pid) pids.push(Number(n));
  }
  return pids;
}

/**
 * Bytes our child processes have read from (`dir` 'read': their stdin) or written to ('write':
 * their stdout) the pipe or file `fd` is open on, the tools of an export or import, read again at
 * each call. The children are looked for until found; a child that has exited keeps counting with
 * its last reading.
 */
export function childIoSampler(fd: number, dir: 'read' | 'write'): () => number | undefined {
  const target = link(`/proc/self/fd/${fd}`);
  const last = new Map<number, number>();
  return () => {
    if (target === undefined) return undefined;
    if (last.size === 0)
      for (const pid of children())
        if (link(`/proc/${pid}/fd/${dir === 'read' ? 0 : 1}`) === target) last.set(pid, 0);
    if (last.size === 0) return undefined;
    let sum = 0;
    for (const [pid, before] of last) {
      const io = parseProcIo(readText(`/proc/${pid}/io`) ?? '');
      const n = io ? (dir === 'read' ? io.read : io.written) : before;
      last.set(pid, Math.max(n, before));
      sum += Math.max(n, before);
    }
    return sum;
  };
}

/**
 * A sampler of the bytes moved through `fd` by the tools it was handed to, counted from now: the
 * offset of a file or block device, else what our children read from or wrote to the pipe.
 */
export function streamSampler(fd: number, dir: 'read' | 'write'): () => number | undefined {
  let file: boolean;
  try {
    const st = fstatSync(fd);
    file = st.isFile() || st.isBlockDevice();
  } catch {
    return () => undefined;
  }
  if (!file) return childIoSampler(fd, dir);
  const from = fdPosition(fd) ?? 0;
  return () => {
    const pos = fdPosition(fd);
    return pos === undefined ? undefined : Math.max(0, pos - from);
  };
}

/** The bytes left to read in `fd` from its offset, when it is a regular file (else undefined). */
export function bytesLeft(fd: number): number | undefined {
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    return Math.max(0, st.size - (fdPosition(fd) ?? 0));
  } catch {
    return undefined;
  }
}
