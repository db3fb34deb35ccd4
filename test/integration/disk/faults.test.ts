/**
 * Fault injection: prepareDisk runs in a child process (fixtures/prepare-driver.ts) that prints a
 * marker at each step; the test kills it with SIGTERM or SIGKILL at each marker. After SIGTERM the
 * child's own cleanup must leave nothing; after SIGKILL, recoverDisk (as the next run would) must.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { recoverDisk } from '../../../src/disk/index.js';
import { ExecRunner } from '../../../src/process/runner.js';
import { Logger, MemorySink } from '../../../src/runtime/logger.js';
import { assertNoLeftovers, isRoot, listLeftovers, makeDiskFile, type DiskFile } from '../../helpers/disk.js';

const DRIVER = fileURLToPath(new URL('./fixtures/prepare-driver.ts', import.meta.url));
const STEPS = [
  'planned',
  'recovered',
  'attached',
  'partitioned',
  'mapped',
  'mkfs:esp',
  'mkfs:boot',
  'mkfs:swap',
  'mkfs:root',
  'formatted',
  'mounted',
  'READY',
];
const SIZE = 768 * 1024 ** 2;

let disk: DiskFile | undefined;
afterEach(async () => {
  if (!disk) return;
  const log = new Logger('debug', new MemorySink());
  await recoverDisk(disk.path, { runner: new ExecRunner(log), log });
  disk.remove();
  disk = undefined;
});

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  killed: boolean;
}

/** Run the driver; send `sig` right after marker `marker` shows up on stderr. */
function runAndKill(
  path: string,
  marker: string,
  sig: NodeJS.Signals,
  args: string[] = ['gpt', 'ext4', 'auto'],
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', DRIVER, path, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      const lines = stderr.split('\n');
      if (!killed && lines.some((l) => l === `STEP ${marker}` || l === marker)) {
        killed = true;
        child.kill(sig);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr, killed }));
  });
}

describe.skipIf(!isRoot)('killed while preparing a disk', () => {
  for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
    for (const step of STEPS) {
      it(`${sig} at ${step}`, async () => {
        disk = makeDiskFile(SIZE);
        const out = await runAndKill(disk.path, step, sig);
        expect(out.killed, out.stderr).toBe(true);
        if (sig === 'SIGTERM') {
          // The child cleans up itself and exits 143 (or finished the step first and still unwound).
          expect(out.code === 143 || out.signal === 'SIGTERM', out.stderr).toBe(true);
          expect(listLeftovers(disk), out.stderr).toEqual([]);
        } else {
          expect(out.signal).toBe('SIGKILL');
          const log = new Logger('debug', new MemorySink());
          await recoverDisk(disk.path, { runner: new ExecRunner(log), log });
          expect(listLeftovers(disk)).toEqual([]);
        }
        assertNoLeftovers(disk);
      }, 120_000);
    }
  }

  it('the next prepareDisk recovers a SIGKILLed run by itself', async () => {
    disk = makeDiskFile(SIZE);
    const killed = await runAndKill(disk.path, 'READY', 'SIGKILL', ['msdos', 'xfs', 'loop-offset']);
    expect(killed.signal).toBe('SIGKILL');
    expect(listLeftovers(disk).length).toBeGreaterThan(0);
    const again = await runAndKill(disk.path, 'READY', 'SIGTERM', ['msdos', 'ext4', 'partx']);
    expect(again.stderr).toMatch(/recovered .* from an earlier run/);
    expect(listLeftovers(disk)).toEqual([]);
  }, 120_000);
});
