/**
 * After `down()`: the host must look as it did before `up()`. Host paths the harness may create are
 * snapshotted when this module loads (test files import it before their `up()`).
 */
import { existsSync } from 'node:fs';
import { expect } from 'vitest';
import { STATE_DIR, isUp, listLoops, mountsBelow } from './ganeti-harness.js';

const HOST_PATHS = [
  '/run/ganeti',
  '/srv/ganeti',
  '/srv/ganeti/os',
  '/etc/ganeti/file-storage-paths',
  '/run/netns',
];
const before = new Map(HOST_PATHS.map((p) => [p, existsSync(p)]));

export async function expectCleanHost(): Promise<void> {
  expect(await isUp()).toBe(false);
  expect(existsSync(STATE_DIR)).toBe(false);
  expect(await mountsBelow(STATE_DIR)).toEqual([]);
  const loops = await listLoops();
  const ours = ['/srv/ganeti/', '/var/lib/ganeti/', `${STATE_DIR}/`];
  expect(loops.filter((l) => ours.some((p) => l.backFile.startsWith(p)))).toEqual([]);
  for (const [p, existed] of before) expect(existsSync(p), p).toBe(existed);
  // The host's own Ganeti dirs never receive cluster state (it lives in bind mounts inside the ns).
  expect(existsSync('/var/lib/ganeti/config.data')).toBe(false);
  expect(existsSync('/var/log/ganeti/os')).toBe(false);
}
