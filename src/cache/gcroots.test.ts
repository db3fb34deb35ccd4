import { existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Logger, MemorySink } from '../runtime/logger.js';
import { listGcRoots, pruneGcRoots, writeGcRootRecord } from './gcroots.js';

let dir: string;
/** The root symlink itself (its target does not exist here). */
const present = (p: string) => lstatSync(p, { throwIfNoEntry: false }) !== undefined;
const log = new Logger('info', new MemorySink());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gos-gcroots-'));
  mkdirSync(join(dir, 'roots'));
  writeFileSync(join(dir, 'disk-a'), '');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function root(name: string, disk: string, createdAt = new Date().toISOString()): Promise<string> {
  const path = join(dir, 'roots', name);
  symlinkSync('/gnu/store/x-system', path);
  await writeGcRootRecord(join(dir, 'cache'), {
    instance: name,
    root: path,
    system: '/gnu/store/x-system',
    disk,
    createdAt,
  });
  return path;
}

describe('GC roots kept as cache entries', () => {
  it('lists each root with its status and prunes the removed instances, the damaged and (by age) the old', async () => {
    const now = Date.parse('2026-12-01T00:00:00Z');
    const a = await root('a', join(dir, 'disk-a'), '2026-11-30T00:00:00Z');
    const gone = await root('gone', join(dir, 'no-such-disk'), '2026-11-30T00:00:00Z');
    const old = await root('old', join(dir, 'disk-a'), '2026-10-01T00:00:00Z');
    writeFileSync(join(dir, 'cache', 'gcroots', 'bad.json'), '{');
    const list = await listGcRoots(join(dir, 'cache'), 30, now);
    expect(list.map((e) => [e.name, e.status])).toEqual([
      ['a', 'ok'],
      ['bad', 'damaged'],
      ['gone', 'instance-gone'],
      ['old', 'expired'],
    ]);
    const kept = await pruneGcRoots(join(dir, 'cache'), log, 'never', now);
    expect(kept.kept).toEqual(['a', 'old']);
    expect(present(gone)).toBe(false);
    const r = await pruneGcRoots(join(dir, 'cache'), log, 30, now);
    expect(r.removed.map((x) => x.name)).toEqual(['gcroot old']);
    expect(present(old)).toBe(false);
    expect(present(a)).toBe(true);
    await pruneGcRoots(join(dir, 'cache'), log, 'all', now);
    expect(present(a)).toBe(false);
    expect(await listGcRoots(join(dir, 'cache'))).toEqual([]);
  });

  it('never removes a path that is not a symlink, and refuses instance names that are not file names', async () => {
    const file = join(dir, 'roots', 'f');
    writeFileSync(file, 'x');
    await writeGcRootRecord(join(dir, 'cache'), {
      instance: 'f',
      root: file,
      system: '/gnu/store/x',
      disk: '/nope',
      createdAt: new Date().toISOString(),
    });
    await pruneGcRoots(join(dir, 'cache'), log, 'all');
    expect(existsSync(file)).toBe(true);
    await expect(
      writeGcRootRecord(dir, { instance: '../x', root: '/r', system: '/s', disk: '/d', createdAt: '' }),
    ).rejects.toThrow(/cannot name a GC root/);
  });
});
