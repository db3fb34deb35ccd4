/**
 * A real Debian guest tree for hook tests: `debootstrap --variant=minbase bookworm` once, kept as
 * /var/cache/ganeti-os/test-minbase-bookworm.tar (published atomically, reused when present), and
 * extracted into a fresh directory per test. Plus leak checks: processes, mounts, temp dirs.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const MINBASE_TAR = '/var/cache/ganeti-os/test-minbase-bookworm.tar';

export function ensureMinbaseTar(): string {
  if (existsSync(MINBASE_TAR)) return MINBASE_TAR;
  mkdirSync(path.dirname(MINBASE_TAR), { recursive: true });
  const work = mkdtempSync(path.join('/var/tmp', 'gos-minbase-'));
  try {
    execFileSync(
      'debootstrap',
      ['--variant=minbase', 'bookworm', path.join(work, 'root'), 'http://deb.debian.org/debian'],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    const tmp = `${MINBASE_TAR}.${process.pid}.tmp`;
    execFileSync('tar', [
      '--numeric-owner',
      '--xattrs',
      '--xattrs-include=*',
      '-C',
      path.join(work, 'root'),
      '-cf',
      tmp,
      '.',
    ]);
    renameSync(tmp, MINBASE_TAR);
  } finally {
    assertNoMountsUnder(work);
    rmSync(work, { recursive: true, force: true });
  }
  return MINBASE_TAR;
}

/**
 * Extract the guest into <parent>/guest and return that path. The guest lives on a tmpfs mounted
 * there (extracting 200 MB onto this machine's disk takes ~20 s, onto tmpfs ~2 s); removeScratch
 * unmounts it.
 */
export function extractGuest(parent: string): string {
  const target = path.join(parent, 'guest');
  mkdirSync(target);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2g,mode=755', 'ganeti-os-test-guest', target]);
  execFileSync('tar', ['--numeric-owner', '-C', target, '-xf', ensureMinbaseTar()]);
  return target;
}

export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m === dir || m.startsWith(dir + '/'));
}

export function assertNoMountsUnder(dir: string): void {
  const m = mountsUnder(dir);
  if (m.length > 0) throw new Error(`still mounted under ${dir}: ${m.join(' ')}`);
}

/** pids whose command line contains `token`. */
export function processesWith(token: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(token)) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

/** pids whose root directory is inside `dir`. */
export function processesRootedIn(dir: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const r = readlinkSync(`/proc/${p}/root`);
      if (r === dir || r.startsWith(dir + '/')) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

/** A scratch directory for one test; remove with removeScratch (refuses if something is mounted). */
export function scratch(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Unmount the guest tmpfs (only ours, by its source name), check nothing else is mounted, remove. */
export function removeScratch(dir: string): void {
  const target = path.join(dir, 'guest');
  if (mountsUnder(target).includes(target)) execFileSync('umount', [target]);
  assertNoMountsUnder(dir);
  rmSync(dir, { recursive: true, force: true });
}

export const isRoot = process.getuid?.() === 0;

/**
 * End of a test: record what leaked (processes rooted in the guest or carrying `token`, files left
 * in `emptyDirs`), kill those processes, then unmount and remove the scratch directory whatever
 * happened, so a failing test never leaks its tmpfs. Returns the leaks, for `expect(...).toEqual([])`.
 */
export function teardown(dir: string, opts: { token?: string; emptyDirs?: string[] } = {}): string[] {
  const target = path.join(dir, 'guest');
  const leaks: string[] = [];
  const pids = new Set([...processesRootedIn(target), ...(opts.token ? processesWith(opts.token) : [])]);
  for (const pid of pids) {
    leaks.push(`process ${pid} left running`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const d of opts.emptyDirs ?? []) {
    for (const f of existsSync(d) ? readdirSync(d) : []) leaks.push(`left in ${d}: ${f}`);
  }
  if (pids.size > 0) execFileSync('sleep', ['0.5']);
  removeScratch(dir);
  return leaks;
}
