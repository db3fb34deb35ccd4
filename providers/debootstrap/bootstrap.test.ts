import { describe, expect, it } from 'vitest';
import { defaultsOf } from 'ganeti-os/sdk';
import {
  bootstrapArgv,
  bootstrapFailureLine,
  cacheInputs,
  impliedPackages,
  planBootstrap,
} from './bootstrap.js';
import { debootstrapSchema, debootstrapVariant } from './schema.js';

const base = debootstrapVariant(defaultsOf(debootstrapSchema));

describe('planBootstrap', () => {
  it('adds what a bootable guest needs to extra-pkgs: kernel, GRUB for the firmware, network, locale, filesystem tools', () => {
    const pkgs = impliedPackages(
      { ...base, locale: 'de_DE.UTF-8', timezone: 'Europe/Berlin', filesystem: 'xfs' },
      { efi: true },
    );
    for (const p of [
      'linux-image-amd64',
      'initramfs-tools',
      'grub-efi-amd64-bin',
      'ifupdown',
      'locales',
      'tzdata',
      'xfsprogs',
      'openssh-server',
    ]) {
      expect(pkgs).toContain(p);
    }
    expect(pkgs).not.toContain('grub-pc-bin');
    const bare = impliedPackages(
      { ...base, kernel: 'none', network: 'networkd', extraPkgs: [] },
      { efi: false },
    );
    expect(bare).not.toContain('linux-image-amd64');
    expect(bare).not.toContain('grub-pc-bin');
    expect(bare).toContain('systemd-resolved');
  });

  it('builds argument vectors for mmdebstrap and debootstrap, never a shell line', () => {
    const v = { ...base, suite: 'trixie', proxy: 'http://proxy:3128', keyring: '/k.gpg' };
    const mm = bootstrapArgv(planBootstrap(v, { hostArch: 'amd64', haveMmdebstrap: true, efi: false }), '/t');
    expect(mm.cmd).toBe('mmdebstrap');
    expect(mm.args.slice(-3)).toEqual(['trixie', '/t', 'http://deb.debian.org/debian']);
    expect(mm.args).toContain('--variant=important');
    expect(mm.args).toContain('--keyring=/k.gpg');
    expect(mm.env).toMatchObject({ http_proxy: 'http://proxy:3128', https_proxy: 'http://proxy:3128' });
    const db = bootstrapArgv(
      planBootstrap(
        { ...v, bootstrapper: 'debootstrap', debootstrapVariant: 'minbase' },
        { hostArch: 'arm64', haveMmdebstrap: true, efi: false },
      ),
      '/t',
    );
    expect(db.cmd).toBe('debootstrap');
    expect(db.args).toContain('--arch=arm64');
    expect(db.args).toContain('--variant=minbase');
  });

  it('keys the cache on everything that changes the tree', () => {
    const a = cacheInputs(planBootstrap(base, { hostArch: 'amd64', haveMmdebstrap: true, efi: false }));
    const b = cacheInputs(
      planBootstrap({ ...base, extraPkgs: ['vim'] }, { hostArch: 'amd64', haveMmdebstrap: true, efi: false }),
    );
    const c = cacheInputs(planBootstrap(base, { hostArch: 'amd64', haveMmdebstrap: true, efi: true }));
    expect(a).not.toEqual(b);
    expect(a).not.toEqual(c); // grub-efi instead of grub-pc
  });
});

describe('bootstrapFailureLine', () => {
  it("picks apt's fetch error over mmdebstrap's last line", () => {
    const out = [
      'I: running apt-get update...',
      'Ign:1 http://127.0.0.1:9/debian bookworm InRelease',
      'Err:1 http://127.0.0.1:9/debian bookworm InRelease',
      '  Could not connect to 127.0.0.1:9 (127.0.0.1). - connect (111: Connection refused)',
      'E: Failed to fetch http://127.0.0.1:9/debian/dists/bookworm/InRelease  Could not connect to 127.0.0.1:9 (127.0.0.1). - connect (111: Connection refused)',
      'E: Some index files failed to download. They have been ignored, or old ones used instead.',
      'E: mmdebstrap failed to run',
    ].join('\n');
    expect(bootstrapFailureLine(out)).toMatch(
      /^E: Failed to fetch http:\/\/127\.0\.0\.1:9\/debian\/dists\/bookworm\/InRelease/,
    );
  });

  it("picks debootstrap's release file error", () => {
    const out =
      'I: Retrieving InRelease \nI: Retrieving Release \nE: Failed getting release file http://127.0.0.1:9/debian/dists/bookworm/Release\n';
    expect(bootstrapFailureLine(out)).toBe(
      'E: Failed getting release file http://127.0.0.1:9/debian/dists/bookworm/Release',
    );
  });

  it('falls back to the first error, then the last line', () => {
    expect(bootstrapFailureLine('I: x\nE: Unable to satisfy dependencies\nE: done\n')).toBe(
      'E: Unable to satisfy dependencies',
    );
    expect(bootstrapFailureLine('something odd\n\n')).toBe('something odd');
    expect(bootstrapFailureLine('')).toBe('no output');
  });
});
