/**
 * A throwaway Debian 12 system for the package tests: the cached root of scripts/deb-root.sh as the
 * read-only lower layer of an overlay, so every run starts from the same fresh root and leaves it
 * untouched; /proc, /sys and /dev mounted inside; commands run there with a reset environment.
 * `close()` unmounts everything and removes the writable layer.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const DEB_ROOT = process.env.GANETI_OS_DEB_ROOT ?? '/var/tmp/ganeti-os-deb-root';

/** Builds the cached root once (about a minute); later calls return at once. */
export function ensureDebRoot(): string {
  execFileSync('bash', ['scripts/deb-root.sh', DEB_ROOT], { stdio: 'inherit' });
  return DEB_ROOT;
}

export interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  /** What the command wrote to fd 3. */
  fd3: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  input?: Buffer;
  /** Give the command a pipe on fd 3 (read back as `fd3`). */
  fd3?: boolean;
}

const BASE_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' };

export class OverlayRoot {
  private readonly mounts: string[] = [];

  private constructor(
    readonly work: string,
    readonly dir: string,
  ) {}

  /** Mounts an overlay of `lower` under a new directory in `parent`, with /proc, /sys and /dev. */
  static open(lower: string, parent = '/var/tmp'): OverlayRoot {
    const work = mkdtempSync(join(parent, 'ganeti-os-deb-test-'));
    const r = new OverlayRoot(work, join(work, 'merged'));
    try {
      for (const d of ['upper', 'wd', 'merged']) mkdirSync(join(work, d));
      r.mount(
        ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${work}/upper,workdir=${work}/wd`],
        r.dir,
      );
      r.mount(['-t', 'proc', 'proc'], join(r.dir, 'proc'));
      r.mount(['-t', 'sysfs', 'sysfs'], join(r.dir, 'sys'));
      r.mount(['--bind', '/dev'], join(r.dir, 'dev'));
    } catch (e) {
      r.close();
      throw e;
    }
    return r;
  }

  private mount(args: string[], target: string): void {
    execFileSync('mount', [...args, target]);
    this.mounts.push(target);
  }

  /** Host path of `path` inside the root. */
  path(path: string): string {
    return join(this.dir, path);
  }

  /** Runs `argv` in the root with only PATH, LC_ALL and `o.env` in its environment. */
  run(argv: readonly string[], o: RunOptions = {}): RunResult {
    const r = spawnSync('chroot', [this.dir, ...argv], {
      env: { ...BASE_ENV, ...o.env },
      input: o.input,
      stdio: ['pipe', 'pipe', 'pipe', ...(o.fd3 ? (['pipe'] as const) : [])],
      maxBuffer: 256 * 1024 * 1024,
      timeout: 600_000,
    });
    if (r.error) throw r.error;
    return {
      code: r.status,
      stdout: r.stdout,
      stderr: r.stderr.toString(),
      fd3: (r.output[3] as Buffer | null | undefined)?.toString() ?? '',
    };
  }

  /** `run`, failing with the command's output unless it exits 0; returns stdout as text. */
  must(argv: readonly string[], o: RunOptions = {}): string {
    const r = this.run(argv, o);
    if (r.code !== 0)
      throw new Error(`${argv.join(' ')} exited ${r.code}:\n${r.stdout.toString()}${r.stderr}`);
    return r.stdout.toString();
  }

  /** Unmounts in reverse order (lazily for a busy mount), then removes the writable layer. */
  close(): void {
    for (const m of this.mounts.splice(0).reverse()) {
      const r = spawnSync('umount', [m]);
      if (r.status !== 0) execFileSync('umount', ['-l', m]);
    }
    const left = spawnSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((t) => t === this.work || t.startsWith(`${this.work}/`));
    if (left.length > 0) throw new Error(`not removing ${this.work}: still mounted: ${left.join(', ')}`);
    rmSync(this.work, { recursive: true, force: true });
  }
}
