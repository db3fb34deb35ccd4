/**
 * Progress of a cold bootstrap as an admin and Ganeti see it, each from a cold cache root of its
 * own (both run at once, so the two bootstraps cost the time of one):
 * - `ganeti-os cache warm` under a pseudo-terminal (`script`): the live line is redrawn at least
 *   every few seconds for as long as mmdebstrap runs, with the packages counted;
 * - the installed create script with a Ganeti-like environment, stderr being the OS log: a
 *   bootstrap line at least every 10 s of the bootstrap, with the phase and the elapsed time.
 * The variant bootstraps fast (minbase, no kernel, no bootloader, whole-disk ext4).
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot } from '../../helpers/disk.js';
import { CLI, installFixture, instanceEnv, leakWatch, MiB, type Fixture } from '../debootstrap/fixture.js';

const FAST = [
  'description: minimal bookworm that bootstraps fast',
  'suite: bookworm',
  'bootstrapper: mmdebstrap',
  'debootstrap-variant: minbase',
  'kernel: none',
  'bootloader: none',
  'extra-pkgs: []',
  'partition-style: none',
  '',
].join('\n');

/** What arrived on the terminal, and when (ms since the start). */
interface Arrival {
  at: number;
  text: string;
}

/** Run `argv` under a pseudo-terminal (util-linux script), recording the output as it arrives. */
function underPty(argv: string[]): Promise<{ code: number | null; chunks: Arrival[] }> {
  const quoted = argv.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const began = Date.now();
  const chunks: Arrival[] = [];
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', quoted, '/dev/null'], {
      env: { ...process.env, TERM: 'xterm', COLUMNS: '160', LINES: '40' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => chunks.push({ at: Date.now() - began, text: d }));
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, chunks }));
  });
}

/** The live lines drawn (each `\r`-started redraw), with their arrival times. */
function liveLines(chunks: Arrival[], phase: RegExp): Arrival[] {
  const out: Arrival[] = [];
  for (const c of chunks)
    for (const piece of c.text.split(/\r|\n/)) if (phase.test(piece)) out.push({ at: c.at, text: piece });
  return out;
}

const haveMmdebstrap = existsSync('/usr/bin/mmdebstrap') && existsSync('/usr/bin/script');

describe.skipIf(!isRoot || !haveMmdebstrap)('progress of a cold bootstrap', () => {
  const roots: string[] = [];
  let ttyFx: Fixture;
  let logFx: Fixture;
  let pty: { code: number | null; chunks: Arrival[] };
  let create: Awaited<ReturnType<Fixture['run']>>;
  let watch: ReturnType<typeof leakWatch>;

  beforeAll(async () => {
    const root = (tag: string): string => {
      const dir = join(process.env.TMPDIR ?? '/tmp', `gos-progress-${tag}-${process.pid}`);
      rmSync(dir, { recursive: true, force: true });
      roots.push(dir);
      return dir;
    };
    ttyFx = installFixture({ tag: 'progress-tty', cacheRoot: root('tty'), variants: { fast: FAST } });
    logFx = installFixture({ tag: 'progress-log', cacheRoot: root('log'), variants: { fast: FAST } });
    const disk = logFx.newDisk(1024 * MiB);
    watch = leakWatch(logFx, [disk.path]);
    const env = instanceEnv({
      name: 'progress1',
      variant: 'fast',
      disks: [{ path: disk.path, sizeMiB: 1024 }],
    });
    [pty, create] = await Promise.all([
      underPty([process.execPath, CLI, 'cache', 'warm', 'debootstrap+fast', '--os-dir', ttyFx.osDir]),
      logFx.run('create', env),
    ]);
  });

  afterAll(() => {
    ttyFx?.dispose();
    logFx?.dispose();
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  it('draws a live line at least every few seconds on a terminal while mmdebstrap runs', () => {
    const text = pty.chunks.map((c) => c.text).join('');
    expect(pty.code, text.slice(-2000)).toBe(0);
    expect(text).toMatch(/cached: /);
    const lines = liveLines(pty.chunks, /^bootstrap bookworm\/amd64: /);
    expect(lines.length).toBeGreaterThan(10);
    // The whole bootstrap, from its first line to its last: never more than 3 s without a redraw.
    const gaps = lines.slice(1).map((l, i) => l.at - lines[i]!.at);
    expect(Math.max(...gaps)).toBeLessThan(3000);
    // Packages counted, with their total, in the steps the tool goes through.
    expect(lines.some((l) => /downloading.*: \d+ of \d+ packages \(\d+%\)/.test(l.text))).toBe(true);
    expect(
      lines.some((l) => /installing essential packages, unpacking: \d+ of \d+ packages/.test(l.text)),
    ).toBe(true);
    expect(lines.some((l) => /configuring: \d+ of \d+ packages/.test(l.text))).toBe(true);
    expect(lines.filter((l) => / elapsed/.test(l.text)).length).toBeGreaterThan(lines.length / 2);
    // The summary goes to the log once the line is done.
    expect(text).toMatch(/bootstrap bookworm\/amd64: done in \d+s/);
  });

  it("writes a bootstrap line to Ganeti's OS log at least every 10 s of the bootstrap", () => {
    expect(create.code, create.stderr).toBe(0);
    const log = create.stderr.split('\n');
    // The stderr of an OS script is the log: no live line, no terminal escapes.
    expect(create.stderr).not.toMatch(/\r/);
    expect(create.stderr).not.toContain('\u001b[');
    const periodic = log.filter((l) => /^bootstrap bookworm\/amd64: /.test(l) && !/: done in /.test(l));
    const done = log.find((l) => /^bootstrap bookworm\/amd64: done in /.test(l));
    expect(done, create.stderr).toBeDefined();
    /** The elapsed time a line states ("after 1m02s, 3.0 packages/s", "12s elapsed", "done in 45s"). */
    const seconds = (line: string): number => {
      const m = /(?:after|done in) (?:(\d+)m)?(\d+)s|(?:(\d+)m)?(\d+)s elapsed$/.exec(line);
      if (!m) return NaN;
      return Number(m[1] ?? m[3] ?? 0) * 60 + Number(m[2] ?? m[4]);
    };
    const total = seconds(done!);
    const times = periodic.map(seconds);
    expect(times.every((t) => Number.isFinite(t))).toBe(true);
    // One line per 10 s of the phase, each at most 10 s (and a second of timer slack) after the one before.
    expect(periodic.length).toBeGreaterThanOrEqual(Math.floor(total / 10));
    for (const [i, t] of [0, ...times].entries()) expect((times[i] ?? total) - t).toBeLessThanOrEqual(11);
    // A line is a heartbeat ("12s elapsed") or counts the packages against their total; which
    // phases the 10 s ticks land in depends on the machine's speed.
    for (const l of periodic)
      expect(l).toMatch(/: \d+ of \d+ packages \(\d+%\) after |: (?:\d+m)?\d+s elapsed$/);
    expect(watch.check()).toEqual([]);
  });
});
