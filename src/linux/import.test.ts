import { describe, expect, it } from 'vitest';
import { defaultsOf, defineSchema } from '../config/schema.js';
import { importLayout, keepLabelOptions, keepUuidOptions, streamFilesystem } from './import.js';
import type { LinuxConfig } from './installer.js';
import { BOOT_KEYS, DISK_KEYS, GUEST_KEYS, HOOK_KEYS, linuxSettings } from './schema.js';

const warnings: string[] = [];
const log = { warn: (m: string) => warnings.push(m) };
const UUID = '0e9f6d0c-8f0b-4b5e-9f53-3a6f1f7c2b11';
const schema = defineSchema('t', [...DISK_KEYS, ...BOOT_KEYS, ...GUEST_KEYS, ...HOOK_KEYS]);
const cfg = (over: Record<string, unknown> = {}, explicit = false): LinuxConfig => ({
  resolved: { name: 'v', values: {}, provenance: {} } as unknown as LinuxConfig['resolved'],
  settings: linuxSettings({ ...defaultsOf(schema), 'partition-style': 'gpt', swap: 512, ...over }),
  ...(explicit ? { explicitFilesystem: true } : {}),
});

describe('import planning', () => {
  it('keeps a data disk’s exported UUID (xfs spells it differently) and ignores anything but a UUID', () => {
    expect(keepUuidOptions('ext4', UUID, log)).toEqual(['-U', UUID]);
    expect(keepUuidOptions('xfs', UUID, log)).toEqual(['-m', `uuid=${UUID}`]);
    expect(keepUuidOptions('ext4', undefined, log)).toEqual([]);
    expect(keepUuidOptions('btrfs', '$(reboot)', log)).toEqual([]);
    expect(warnings[0]).toMatch(/not a UUID/);
  });

  it('takes the exported filesystem only when it is one we make', () => {
    expect(streamFilesystem('xfs')).toBe('xfs');
    expect(streamFilesystem('zfs')).toBe('ext4');
    expect(streamFilesystem(undefined)).toBe('ext4');
  });

  it("gives disk 0 the variant's layout with the exported filesystem, unless a parameter chose one", () => {
    expect(importLayout(cfg(), 'btrfs', UUID, log)).toEqual({
      style: 'gpt',
      alignment: 2048,
      filesystem: 'btrfs',
      swapMiB: 512,
    });
    expect(importLayout(cfg({ filesystem: 'xfs' }, true), 'btrfs', UUID, log).filesystem).toBe('xfs');
    expect(importLayout(undefined, 'xfs', UUID, log)).toEqual({
      style: 'none',
      filesystem: 'xfs',
      mkfsOptions: ['-m', `uuid=${UUID}`],
    });
  });

  it("keepRootIdentity: the root gets the exported UUID and label, after the provider's own layout options", () => {
    const own = {
      style: 'gpt' as const,
      filesystem: 'ext4' as const,
      rootMaxMiB: 1024,
      mkfsOptions: ['-O', '^64bit'],
    };
    expect(
      importLayout(cfg(), 'ext4', UUID, log, { layout: own, keepRootIdentity: true, label: 'guix-root' }),
    ).toEqual({
      ...own,
      mkfsOptions: ['-O', '^64bit', '-U', UUID, '-L', 'guix-root'],
    });
    expect(importLayout(cfg(), 'xfs', UUID, log, { keepRootIdentity: true }).mkfsOptions).toEqual([
      '-m',
      `uuid=${UUID}`,
    ]);
    // Without the flag, nothing is kept (other providers are unchanged).
    expect(importLayout(cfg(), 'ext4', UUID, log, { label: 'x' }).mkfsOptions).toBeUndefined();
  });

  it('takes a label only when it is plain (the header is untrusted)', () => {
    expect(keepLabelOptions('root_1.a-b', log)).toEqual(['-L', 'root_1.a-b']);
    for (const bad of ['-O', 'a b', 'x'.repeat(13), '$(reboot)', 'a\nb'])
      expect(keepLabelOptions(bad, log)).toEqual([]);
    expect(keepLabelOptions(undefined, log)).toEqual([]);
  });
});
