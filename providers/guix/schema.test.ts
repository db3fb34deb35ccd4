import { defaultsOf } from 'ganeti-os/sdk';
import { describe, expect, it } from 'vitest';
import { guixSchema, guixVariant } from './schema.js';

describe('guix variant keys', () => {
  it('defaults: the installed guix with substitutes, plain bios, GC roots under /var/guix/gcroots', () => {
    const v = guixVariant(defaultsOf(guixSchema));
    expect(v).toMatchObject({
      config: '',
      guix: 'guix',
      substituteUrls: ['https://bordeaux.guix.gnu.org', 'https://ci.guix.gnu.org'],
      gcRootDir: '/var/guix/gcroots/ganeti-os',
      cacheDir: '',
      layout: 'plain',
      partSize: 'none',
      firmware: 'bios',
      filesystem: 'ext4',
      swap: 'none',
      partitionAlignment: 2048,
      serialConsole: 'auto',
      timezone: 'Etc/UTC',
      sshAuthorizedKeys: [],
    });
  });

  it('has only the shared keys that apply to a Guix System guest', () => {
    const names = guixSchema.keys.map((k) => k.name);
    for (const k of [
      'partition-alignment',
      'filesystem',
      'swap',
      'disk-sync',
      'serial-console',
      'ssh-authorized-keys',
      'timezone',
      'hooks',
    ])
      expect(names).toContain(k);
    for (const k of ['partition-style', 'boot-partition', 'bootloader', 'root-password', 'locale', 'network'])
      expect(names).not.toContain(k);
  });
});
