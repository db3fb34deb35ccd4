import { defaultsOf } from 'ganeti-os/sdk';
import { describe, expect, it } from 'vitest';
import {
  applyParams,
  commandOptions,
  gcRootPath,
  guixEnv,
  guixLayout,
  sizeMiB,
  xdgCacheDir,
} from './plan.js';
import { guixSchema, guixVariant } from './schema.js';

const base = () => guixVariant(defaultsOf(guixSchema));

describe('guix run planning', () => {
  it('sizes: numbers are MiB, text has units, no/none/0 is none, anything else one error', () => {
    expect(sizeMiB(512, 'swap')).toBe(512);
    expect(sizeMiB('20G', 'part_size')).toBe(20480);
    expect(sizeMiB('512M', 'swap')).toBe(512);
    expect(sizeMiB('1536K', 'swap')).toBe(2);
    for (const none of ['no', 'none', '0', '', undefined]) expect(sizeMiB(none, 'swap')).toBeUndefined();
    expect(() => sizeMiB('lots', 'swap')).toThrow(/swap "lots" is not a size/);
  });

  it('parameters over the variant: filesystem, layout, part_size, swap, keys, time zone', () => {
    const v = applyParams(base(), {
      filesystem: 'btrfs',
      layout: 'btrfs-subvolumes',
      part_size: 2048,
      swap: '1G',
      'ssh-authorized-keys': 'ssh-ed25519 AAAA a\nssh-ed25519 BBBB b',
      timezone: 'Europe/Berlin',
    });
    expect(v).toMatchObject({
      filesystem: 'btrfs',
      layout: 'btrfs-subvolumes',
      partSize: 2048,
      swap: 1024,
      timezone: 'Europe/Berlin',
    });
    expect(v.sshAuthorizedKeys).toEqual(['ssh-ed25519 AAAA a', 'ssh-ed25519 BBBB b']);
    expect(applyParams({ ...base(), swap: 512 }, { swap: 'no' }).swap).toBe('none');
    expect(() => applyParams(base(), { layout: 'btrfs-subvolumes' })).toThrow(/needs a btrfs root, not ext4/);
    expect(() => applyParams(base(), { filesystem: 'ext2' })).toThrow(/ext2 is not one a Guix System root/);
  });

  it('the layout: gpt (BIOS boot + ESP), swap, the root ending at part-size', () => {
    expect(guixLayout({ ...base(), swap: 256, partSize: 4096 })).toEqual({
      style: 'gpt',
      alignment: 2048,
      filesystem: 'ext4',
      swapMiB: 256,
      rootMaxMiB: 4096,
    });
    expect(guixLayout(base())).toEqual({ style: 'gpt', alignment: 2048, filesystem: 'ext4' });
  });

  it('command options: revision, system, target, substitutes from the variant', () => {
    expect(
      commandOptions(
        { ...base(), guix: '/opt/guix', substituteUrls: [] },
        { commit: 'abc1234', disable_authentication: true, system: 'i686-linux' },
      ),
    ).toEqual({
      guix: '/opt/guix',
      revision: { commit: 'abc1234', disableAuthentication: true },
      system: 'i686-linux',
      substituteUrls: [],
    });
  });

  it('the GC root is a plain file name below the directory; the environment is clean', () => {
    expect(gcRootPath('/var/guix/gcroots/ganeti-os', 'web1.example.org')).toBe(
      '/var/guix/gcroots/ganeti-os/web1.example.org',
    );
    for (const bad of ['../x', 'a/b', '.hidden', '..'])
      expect(() => gcRootPath('/r', bad)).toThrow(/cannot name a GC root/);
    expect(xdgCacheDir(base(), '/var/cache/ganeti-os/guix')).toBe('/var/cache/ganeti-os/guix/xdg');
    expect(xdgCacheDir({ ...base(), cacheDir: '/srv/c' }, '/x')).toBe('/srv/c');
    const env = guixEnv({ xdgCache: '/c', instanceData: '/t/data.scm', library: '/t/ganeti-os.scm' });
    expect(Object.keys(env).sort()).toEqual([
      'GANETI_OS_INSTANCE_DATA',
      'GANETI_OS_LIBRARY',
      'HOME',
      'LC_ALL',
      'PATH',
      'XDG_CACHE_HOME',
    ]);
    expect(env.GANETI_OS_LIBRARY).toBe('/t/ganeti-os.scm');
  });
});
