import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { CleanupStack } from '../runtime/cleanup.js';
import { OsError } from '../runtime/errors.js';
import { Logger, MemorySink } from '../runtime/logger.js';
import { diskContext } from './context.js';
import { encryptPartition, isMapperName, planLuks, recoverLuks, type RootEncryption } from './encrypt.js';
import { FakeRunner } from './fake-runner.test-helper.js';
import { Journal, readJournal } from './journal.js';

const SECRET = 'correct horse "battery" $(staple) \n secret';
const UUID = '0b2e3c1d-1111-4222-8333-444455556666';

describe('planLuks (pure)', () => {
  it('formats LUKS2 with PBKDF2 keyslots, the key on stdin, and opens under the name', () => {
    const p = planLuks('/dev/loop3p3', { name: 'gnt_web1_0123abcd' });
    expect(p.format).toEqual([
      'luksFormat',
      '--type',
      'luks2',
      '--pbkdf',
      'pbkdf2',
      '--batch-mode',
      '--key-file',
      '-',
      '/dev/loop3p3',
    ]);
    expect(p.uuid).toEqual(['luksUUID', '/dev/loop3p3']);
    expect(p.open).toEqual([
      'open',
      '--type',
      'luks2',
      '--key-file',
      '-',
      '/dev/loop3p3',
      'gnt_web1_0123abcd',
    ]);
    expect(p.close).toEqual(['close', 'gnt_web1_0123abcd']);
    expect(p.device).toBe('/dev/mapper/gnt_web1_0123abcd');
  });
  it('keeps a given LUKS UUID', () => {
    expect(planLuks('/dev/sdb3', { name: 'r', uuid: UUID.toUpperCase() }).format).toContain(UUID);
  });
  it('refuses names device-mapper would mangle or a shell would read, and odd UUIDs', () => {
    for (const name of ['a-b', 'x.y', '', '-o', '1root', 'a/b', 'a b', 'x'.repeat(65)]) {
      expect(isMapperName(name), name).toBe(false);
      expect(() => planLuks('/dev/sdb3', { name })).toThrow(OsError);
    }
    expect(() => planLuks('/dev/sdb3', { name: 'r', uuid: '--uuid' })).toThrow(/not a LUKS UUID/);
    expect(() => planLuks('sdb3', { name: 'r' })).toThrow(/not a device node/);
  });
});

describe('encryptPartition against a fake device-mapper (cryptsetup open cannot run on this host)', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  function setup(answer?: ConstructorParameters<typeof FakeRunner>[0]) {
    dir = mkdtempSync(join(tmpdir(), 'gos-encrypt-'));
    const sink = new MemorySink();
    const log = new Logger('debug', sink);
    const stack = new CleanupStack(log);
    const runner = new FakeRunner(
      answer ??
        ((cmd, args) =>
          cmd === 'cryptsetup' && args[0] === 'luksUUID' ? { stdout: `${UUID}\n` } : undefined),
    );
    const journal = new Journal(dir, '/srv/disk.img');
    journal.open();
    const ctx = diskContext({ runner, cleanupRunner: runner, stack, log }, journal);
    return { sink, log, stack, runner, ctx, journal, dir };
  }
  const enc: RootEncryption = { name: 'gnt_web1_0123abcd', passphrase: () => SECRET };

  it('passes the passphrase on stdin only, in order: format, uuid, open; closes on unwind', async () => {
    const { sink, stack, runner, ctx, dir: d } = setup();
    const root = await encryptPartition(ctx, '/dev/loop3p3', enc);
    expect(root).toEqual({
      uuid: UUID,
      name: 'gnt_web1_0123abcd',
      partition: '/dev/loop3p3',
      device: '/dev/mapper/gnt_web1_0123abcd',
    });
    expect(runner.commands()).toEqual([
      'cryptsetup luksFormat --type luks2 --pbkdf pbkdf2 --batch-mode --key-file - /dev/loop3p3',
      'cryptsetup luksUUID /dev/loop3p3',
      'cryptsetup open --type luks2 --key-file - /dev/loop3p3 gnt_web1_0123abcd',
    ]);
    expect(runner.calls.map((c) => c.opts?.input)).toEqual([SECRET, undefined, SECRET]);
    // The mapping is journaled while open, so a killed run's next run closes it.
    expect(readJournal(d)!.entries).toEqual([
      { kind: 'crypt', name: 'gnt_web1_0123abcd', device: '/dev/loop3p3' },
    ]);
    expect(stack.labels()).toEqual(['cryptsetup close gnt_web1_0123abcd']);
    await stack.unwind();
    expect(runner.commands().slice(3)).toEqual([
      'udevadm settle --timeout=10',
      'cryptsetup close gnt_web1_0123abcd',
    ]);
    expect(readJournal(d)!.entries).toEqual([]);
    // Nowhere but stdin: not in an argument, an environment, the journal, the log.
    for (const c of runner.calls) {
      expect(c.args.join('\n')).not.toContain('horse');
      expect(JSON.stringify(c.opts?.env ?? {})).not.toContain('horse');
    }
    expect(readFileSync(join(d, 'journal.json'), 'utf8')).not.toContain('horse');
    expect(sink.lines.join('\n')).not.toContain('horse');
    // A layout holding it prints without it.
    const layout = { style: 'gpt', filesystem: 'ext4', encryption: enc };
    expect(JSON.stringify(layout)).not.toContain('horse');
    expect(inspect(layout, { depth: 9 })).not.toContain('horse');
  });

  it('an open that fails (no device-mapper) ends with one line without the passphrase; nothing to close', async () => {
    const {
      stack,
      runner,
      ctx,
      dir: d,
    } = setup((cmd, args) => {
      if (cmd === 'cryptsetup' && args[0] === 'luksUUID') return { stdout: UUID };
      // What ExecRunner throws when cryptsetup open exits 1 here.
      if (cmd === 'cryptsetup' && args[0] === 'open')
        throw new OsError(
          'E_DISK_CRYPT',
          'cryptsetup failed (exit 1): Cannot use device gnt_web1_0123abcd, name is invalid or still in use.',
        );
      return undefined;
    });
    const err = await encryptPartition(ctx, '/dev/loop3p3', enc).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OsError);
    expect((err as OsError).code).toBe('E_DISK_CRYPT');
    expect(String(err)).not.toContain('horse');
    expect(runner.calls.find((c) => c.args[0] === 'open')!.opts!.hint).toMatch(/device-mapper/);
    await stack.unwind();
    // Never opened: no close is attempted; the journal entry is gone.
    expect(runner.commands().filter((c) => c.includes('close'))).toEqual([]);
    expect(readJournal(d)!.entries).toEqual([]);
  });

  it('refuses an empty passphrase before touching the partition', async () => {
    const { runner, ctx } = setup();
    await expect(encryptPartition(ctx, '/dev/loop3p3', { name: 'r', passphrase: () => '' })).rejects.toThrow(
      /passphrase of the encrypted root is empty/,
    );
    expect(runner.calls).toEqual([]);
  });

  it('recovery closes only journaled mappings that are still there', async () => {
    const { log, runner } = setup();
    // /dev/mapper/<name> does not exist here: nothing is closed, and a bad name is never used.
    const done = await recoverLuks(runner, log, [
      { kind: 'loop' },
      { kind: 'crypt', name: 'gnt_gone_00000000' },
      { kind: 'crypt', name: '-rf' },
    ]);
    expect(done).toEqual([]);
    expect(runner.calls).toEqual([]);
  });
});
