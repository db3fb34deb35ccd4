/**
 * The samplers progress reads while tools move data without Node: the offset a tool shares with
 * us on a file, the bytes a child wrote into a pipe (its /proc/<pid>/io), and an export of a tree
 * into a pipe reporting what tar wrote.
 */
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamSampler } from '../../../src/progress/index.js';

let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'gos-progress-sample-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function exited(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve) => child.on('close', (code) => resolve(code)));
}

describe('progress samplers', () => {
  it("counts a file by the offset the tool shares with us, from the sampler's start", async () => {
    const fd = openSync(join(work, 'out.bin'), 'w');
    try {
      writeFileSync(fd, Buffer.alloc(4096));
      const sample = streamSampler(fd, 'write');
      const child = spawn('dd', ['if=/dev/zero', 'bs=64k', 'count=16', 'status=none'], {
        stdio: ['ignore', fd, 'inherit'],
      });
      expect(await exited(child)).toBe(0);
      expect(sample()).toBe(1024 * 1024);
    } finally {
      closeSync(fd);
    }
  });

  it('counts a pipe by what the child writing into it wrote, also after it exited', async () => {
    const fifo = join(work, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // Read-write: opening does not wait for a reader, and 32 KiB fit in the pipe's buffer.
    const fd = openSync(fifo, constants.O_RDWR);
    try {
      const child = spawn('perl', ['-e', '$| = 1; print "x" x 32768; sleep 2'], {
        stdio: ['ignore', fd, 'inherit'],
      });
      const sample = streamSampler(fd, 'write');
      await new Promise((r) => setTimeout(r, 800));
      const during = sample();
      expect(during).toBeGreaterThanOrEqual(32768);
      expect(during).toBeLessThan(32768 + 256); // perl's own few bytes besides
      expect(await exited(child)).toBe(0);
      expect(sample()).toBe(during);
    } finally {
      closeSync(fd);
    }
  });

  it('reads nothing from a descriptor no child uses', () => {
    const fd = openSync(join(work, 'fifo'), constants.O_RDWR);
    try {
      expect(streamSampler(fd, 'read')()).toBeUndefined();
    } finally {
      closeSync(fd);
    }
  });
});

describe('export of a tree into a pipe', () => {
  it('reports what tar wrote when the export takes long', { timeout: 60_000 }, async () => {
    const { exportTree } = await import('../../../src/stream/tree.js');
    const { Logger, MemorySink } = await import('../../../src/runtime/logger.js');
    const tree = join(work, 'tree');
    mkdirSync(tree);
    writeFileSync(join(tree, 'data'), Buffer.alloc(8 * 1024 * 1024, 1));
    const fifo = join(work, 'export-fifo');
    execFileSync('mkfifo', [fifo]);
    const fd = openSync(fifo, constants.O_RDWR);
    // A slow reader (64 KiB every 0.1 s): the export lasts ~13 s, longer than one log interval.
    const slow = 'while [ "$(head -c 65536 | wc -c)" -gt 0 ]; do sleep 0.1; done < "$1"';
    const reader = spawn('sh', ['-c', slow, 'sh', fifo], { stdio: 'ignore' });
    const sink = new MemorySink();
    try {
      await exportTree(tree, fd, { log: new Logger('info', sink) });
    } finally {
      closeSync(fd);
      reader.kill();
    }
    expect(sink.lines[0]).toMatch(/^export the file tree: [\d.]+ [KM]iB after 10s, /);
    // The closing line has the last reading taken while tar ran (its counters go with it).
    expect(sink.lines.at(-1)).toMatch(/^export the file tree: [\d.]+ MiB in 1\ds \(/);
  });
});
