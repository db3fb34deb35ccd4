import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOsError } from '../runtime/errors.js';
import { Logger, MemorySink } from '../runtime/logger.js';
import { lastLine, runPipeline } from './pipeline.js';

let dir: string;
let sink: MemorySink;
let log: Logger;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pipeline-test-'));
  sink = new MemorySink();
  log = new Logger('debug', sink);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectFailure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (!isOsError(e)) throw e;
    return { code: e.code, message: e.message };
  }
  throw new Error('pipeline unexpectedly succeeded');
}

describe('runPipeline', () => {
  it('chains stages through OS pipes and writes the chain output to a file path', async () => {
    const out = join(dir, 'out.txt');
    const results = await runPipeline(
      [['head', '-c', '1048576', '/dev/zero'], ['sha256sum'], ['cut', '-d', ' ', '-f', '1']],
      { log, stdout: { path: out } },
    );
    expect(results.map((r) => r.exitCode)).toEqual([0, 0, 0]);
    expect(readFileSync(out, 'utf8').trim()).toBe(
      '30e14955ebf1352266dc2ff8067e68104607e750abb9d3b36582b8af909fcb58',
    );
  });

  it('reads the chain input from a file path and writes to an fd', async () => {
    const inPath = join(dir, 'in.txt');
    writeFileSync(inPath, 'b\na\nc\n');
    const outPath = join(dir, 'sorted.txt');
    const fd = openSync(outPath, 'w');
    try {
      await runPipeline([['cat'], ['sort']], { log, stdin: { path: inPath }, stdout: fd });
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(outPath, 'utf8')).toBe('a\nb\nc\n');
  });

  it('moves 256 MiB without buffering it in Node', async () => {
    const out = join(dir, 'sum');
    const before = process.memoryUsage().rss;
    await runPipeline([['head', '-c', String(256 * 1024 * 1024), '/dev/zero'], ['cat'], ['sha256sum']], {
      log,
      stdout: { path: out },
    });
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
    expect(readFileSync(out, 'utf8')).toMatch(
      /^a6d72ac7690f53be6ae46ba88506bd97302a093f7108472bd9efc3cefda06484/,
    );
  });

  it('fails like pipefail when the last stage fails, naming it', async () => {
    const err = await expectFailure(
      runPipeline([['head', '-c', '100', '/dev/zero'], ['false']], { log, stdout: 'ignore' }),
    );
    expect(err.code).toBe('E_PIPELINE');
    expect(err.message).toMatch(/^false failed \(exit 1\) \(stage 2 of/);
  });

  it('fails when a first stage fails even though later stages succeed', async () => {
    const err = await expectFailure(
      runPipeline([['sh', '-c', 'echo partial; echo "disk on fire" >&2; exit 3'], ['cat']], {
        log,
        stdout: 'ignore',
        code: 'E_EXPORT',
      }),
    );
    expect(err.code).toBe('E_EXPORT');
    expect(err.message).toBe(
      'sh failed (exit 3) (stage 1 of sh -c echo partial; echo "disk on fire" >&2; exit 3 | cat): disk on fire',
    );
  });

  it('blames the real culprit, not the writer that lost its reader', async () => {
    const err = await expectFailure(
      runPipeline(
        [
          ['head', '-c', String(64 * 1024 * 1024), '/dev/zero'],
          ['sh', '-c', 'head -c 10 >/dev/null; echo "reader broke" >&2; exit 4'],
        ],
        {
          log,
          stdout: 'ignore',
        },
      ),
    );
    expect(err.message).toMatch(/^sh failed \(exit 4\).*: reader broke$/);
  });

  it('treats an upstream stage cut off by an early reader as a failure (pipefail)', async () => {
    const err = await expectFailure(runPipeline([['yes'], ['head', '-n', '1']], { log, stdout: 'ignore' }));
    expect(err.message).toMatch(/^yes failed/);
  });

  it('reports a tool that cannot be started', async () => {
    const err = await expectFailure(runPipeline([['/nonexistent/tool'], ['cat']], { log, stdout: 'ignore' }));
    expect(err.message).toMatch(/\/nonexistent\/tool failed \(could not start: .*ENOENT/);
  });

  it('keeps only the stderr tail and forwards stderr lines to the debug log', async () => {
    const results = await runPipeline(
      [['sh', '-c', 'i=0; while [ $i -lt 2000 ]; do echo "line $i" >&2; i=$((i+1)); done']],
      {
        log,
        stdout: 'ignore',
        stderrTailBytes: 1024,
      },
    );
    expect(results[0]!.stderrTail.length).toBeLessThanOrEqual(1024);
    expect(lastLine(results[0]!.stderrTail)).toBe('line 1999');
    expect(sink.lines).toContain('debug: sh: line 0');
    expect(sink.lines).toContain('debug: sh: line 1999');
  });

  it('masks secrets in the error message', async () => {
    log.redact('hunter2');
    const err = await expectFailure(
      runPipeline([['sh', '-c', 'echo "bad password hunter2" >&2; exit 1']], { log, stdout: 'ignore' }),
    );
    expect(err.message).toContain('bad password ***');
    expect(err.message).not.toContain('hunter2');
  });

  it('kills every stage when aborted', async () => {
    const ac = new AbortController();
    const started = Date.now();
    setTimeout(() => ac.abort(), 200);
    const err = await expectFailure(
      runPipeline(
        [
          ['sleep', '30'],
          ['sleep', '30'],
        ],
        { log, stdout: 'ignore', signal: ac.signal },
      ),
    );
    expect(err.code).toBe('E_INTERRUPTED');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses to start when already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await expectFailure(runPipeline([['true']], { log, signal: ac.signal }));
    expect(err.code).toBe('E_INTERRUPTED');
  });

  it('passes extra fds to the stages', async () => {
    const p = join(dir, 'extra');
    const fd = openSync(p, 'w');
    try {
      await runPipeline([['sh', '-c', 'echo via-fd3 >&3']], { log, stdout: 'ignore', extraFds: [fd] });
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(p, 'utf8')).toBe('via-fd3\n');
  });

  it('reports an unopenable output path', async () => {
    const err = await expectFailure(
      runPipeline([['true']], { log, stdout: { path: join(dir, 'missing', 'x') } }),
    );
    expect(err.code).toBe('E_PIPELINE_IO');
  });
});
