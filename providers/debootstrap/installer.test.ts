import { describe, expect, it } from 'vitest';
import { defaultsOf } from 'ganeti-os/sdk';
import { planBootstrap } from './bootstrap.js';
import installer, { applyParams, legacyHookVars } from './installer.js';
import { debootstrapSchema, debootstrapVariant } from './schema.js';

const base = debootstrapVariant(defaultsOf(debootstrapSchema));

describe('debootstrap installer', () => {
  it('puts the OS parameters over the variant: the filesystem, one more ssh key', () => {
    const withKeys = { ...base, sshAuthorizedKeys: ['ssh-ed25519 AAAA a@b'] };
    const v = applyParams(withKeys, { filesystem: 'xfs', 'ssh-key': 'ssh-ed25519 BBBB c@d' });
    expect(v.filesystem).toBe('xfs');
    expect(v.sshAuthorizedKeys).toEqual(['ssh-ed25519 AAAA a@b', 'ssh-ed25519 BBBB c@d']);
    expect(applyParams(withKeys, {})).toEqual(withKeys);
    expect(withKeys.filesystem).toBe('ext4'); // not changed in place
  });

  it("gives hooks instance-debootstrap's variables", () => {
    const v = { ...base, extraPkgs: ['vim', 'less'], components: ['main', 'contrib'], proxy: '' };
    const plan = planBootstrap(v, { hostArch: 'amd64', haveMmdebstrap: true, efi: false });
    expect(legacyHookVars(v, plan)).toEqual({
      SUITE: v.suite,
      ARCH: 'amd64',
      PARTITION_STYLE: 'msdos',
      EXTRA_PKGS: 'vim,less',
      MIRROR: 'http://deb.debian.org/debian',
      PROXY: '',
      COMPONENTS: 'main,contrib',
    });
  });

  it('asks the shared pipeline for GRUB only when the guest has a kernel, and for a Debian guest', () => {
    const plan = planBootstrap(base, { hostArch: 'amd64', haveMmdebstrap: true, efi: false });
    const cfg = (variant: typeof base) => ({ variant, plan }) as Parameters<typeof installer.boot>[0];
    expect(installer.boot(cfg(base))).toBe('grub');
    expect(installer.boot(cfg({ ...base, kernel: 'none' }))).toBe('none');
    expect(installer.boot(cfg({ ...base, bootloader: 'none' }))).toBe('none');
    const policy = installer.guest(cfg(base));
    expect(policy.family.name).toBe('debian');
    expect(policy.family.marker).toBe('/etc/debian_version');
    expect(policy.family.plan?.().map((e) => e.path)).toContain('/etc/apt/sources.list.d/debian.sources');
  });
});
