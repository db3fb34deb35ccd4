import { describe, expect, it } from 'vitest';
import { describeEntries } from './describe.test-helper.js';
import { planAptSources, planGuestConfig } from './index.js';
import { NIC_DHCP, NIC_V6_ONLY, instance } from './instances.test-helper.js';

describe('planGuestConfig', () => {
  it('plans a complete fresh systemd/networkd guest', async () => {
    const entries = planGuestConfig({
      info: instance([NIC_DHCP, NIC_V6_ONLY]),
      facts: { init: 'systemd', network: 'networkd', systemdUnitDir: '/usr/lib/systemd/system', sshd: true },
      machineId: '0123456789abcdef0123456789abcdef',
      fstab: [{ spec: 'UUID=11111111-2222-3333-4444-555555555555', mountpoint: '/', type: 'ext4' }],
      familyEntries: planAptSources({
        mirror: 'http://deb.debian.org/debian',
        suite: 'trixie',
        components: ['main'],
      }),
      locale: 'en_US.UTF-8',
      timezone: 'Etc/UTC',
    });
    await expect(describeEntries(entries, { contents: false })).toMatchFileSnapshot(
      '__golden__/guest-config-summary.txt',
    );
  });

  it('skips the console when there is none and the network when asked', () => {
    const entries = planGuestConfig({
      info: instance([NIC_DHCP], { hv: {} }),
      facts: { init: 'sysvinit', network: 'ifupdown', systemdUnitDir: '/lib/systemd/system', sshd: false },
      machineId: '0123456789abcdef0123456789abcdef',
      network: false,
    });
    expect(entries.map((e) => e.path)).toEqual([
      '/etc/hostname',
      '/etc/mailname',
      '/etc/hosts',
      '/etc/machine-id',
      '/var/lib/dbus/machine-id',
      '/etc/shadow',
    ]);
  });
});

describe('compatibility with the Ganeti layer', () => {
  it('accepts the InstanceInfo parsed from the Ganeti environment', () => {
    const fromGaneti: import('../ganeti/types.js').InstanceInfo = {
      name: 'web-1.example.org',
      os: 'debootstrap+default',
      secondaryNodes: [],
      hv: { serial_console: 'True' },
      be: {},
      disks: [{ index: 0, sizeMiB: 1024, access: 'rw', uuid: 'u' }],
      nics: [
        {
          index: 0,
          mac: 'aa:00:00:00:00:01',
          uuid: 'n',
          mode: 'bridged',
          network: { tags: [], subnet6: '2001:db8::/64' },
        },
      ],
      reinstall: false,
    };
    const info: import('./types.js').GuestInstance = fromGaneti;
    expect(
      planGuestConfig({
        info,
        facts: { init: 'systemd', network: 'networkd', systemdUnitDir: '/lib/systemd/system', sshd: false },
        machineId: 'ab'.repeat(16),
      }).length,
    ).toBeGreaterThan(5);
  });

  it('leaves out every step the guest does itself', () => {
    const base = {
      info: instance([NIC_DHCP]),
      facts: {
        init: 'systemd',
        network: 'networkd',
        systemdUnitDir: '/usr/lib/systemd/system',
        sshd: true,
      } as const,
      machineId: '0123456789abcdef0123456789abcdef',
      fstab: [{ spec: 'UUID=11111111-2222-3333-4444-555555555555', mountpoint: '/', type: 'ext4' }],
      authorizedKeys: ['ssh-ed25519 AAAA me'],
      locale: 'en_US.UTF-8',
      timezone: 'Etc/UTC',
    };
    expect(planGuestConfig(base).length).toBeGreaterThan(5);
    expect(
      planGuestConfig({
        ...base,
        skip: ['hostname', 'identity', 'accounts', 'fstab', 'network', 'console', 'locale'],
      }),
    ).toEqual([]);
  });
});
