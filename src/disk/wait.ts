/**
 * Waiting for device nodes after mapping: `udevadm settle` when available (unless the caller just
 * did), then poll until each node exists as a block device, with a timeout.
 */
import { statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Runner } from '../process/types.js';
import { OsError } from '../runtime/errors.js';

function isBlock(path: string): boolean {
  try {
    return statSync(path).isBlockDevice();
  } catch {
    return false;
  }
}

export async function waitForNodes(
  runner: Runner,
  paths: readonly string[],
  timeoutMs = 10_000,
  /** False when the caller has just settled udev itself. */
  settle = true,
): Promise<void> {
  if (settle)
    await runner.run('udevadm', ['settle', `--timeout=${Math.ceil(timeoutMs / 1000)}`], { reject: false });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const missing = paths.filter((p) => !isBlock(p));
    if (missing.length === 0) return;
    if (Date.now() > deadline) {
      throw new OsError(
        'E_DISK_NODES',
        `device nodes did not appear within ${timeoutMs} ms: ${missing.join(', ')}`,
        {
          hint: 'check udev, or choose another partition mapper (partitionMapper: loop-offset)',
        },
      );
    }
    await sleep(100);
  }
}
