import type { InstanceInfo } from 'ganeti-os/sdk';
import { describe, expect, it } from 'vitest';
import {
  guestDiskDevice,
  instanceDataVariables,
  instanceFacts,
  renderHostnameFile,
  renderInstanceData,
  type InstanceFactsInput,
} from './instance-data.js';

function instance(over: Partial<InstanceInfo> = {}): InstanceInfo {
  return {
    name: 'web1.example.org',
    os: 'guix+default',
    secondaryNodes: [],
    hypervisor: 'kvm',
    hv: { serial_console: 'True' },
    be: {},
    disks: [{ index: 0, sizeMiB: 10240, access: 'rw', uuid: 'd0' }],
    nics: [
      {
        index: 0,
        mac: 'AA:00:00:11:22:33',
        uuid: 'n0',
        mode: 'bridged',
        ip: '192.0.2.10',
        network: {
          tags: [],
          subnet: '192.0.2.0/24',
          gateway: '192.0.2.1',
          subnet6: '2001:db8::/64',
          gateway6: '2001:db8::1',
        },
      },
      { index: 1, mac: 'aa:00:00:11:22:34', uuid: 'n1', mode: 'bridged' },
      { index: 2, mac: 'aa:00:00:11:22:35', uuid: 'n2', mode: 'routed', ip: '2001:db8:5::7' },
    ],
    reinstall: false,
    ...over,
  };
}

const ROOT = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

function input(over: Partial<InstanceFactsInput> = {}): InstanceFactsInput {
  return {
    instance: instance(),
    disk: { root: { uuid: ROOT, type: 'ext4' }, layout: 'plain', esp: { uuid: 'abcd-1234' } },
    firmware: 'bios',
    ...over,
  };
}

describe('instanceFacts', () => {
  it('takes names, every NIC in order and the defaults from the instance', () => {
    const f = instanceFacts(input());
    expect(f.hostName).toBe('web1');
    expect(f.fqdn).toBe('web1.example.org');
    expect(f.nics).toEqual([
      {
        name: 'eth0',
        mac: 'aa:00:00:11:22:33',
        dhcp: false,
        ipv4: { address: '192.0.2.10', prefix: 24, gateway: '192.0.2.1' },
        ipv6: { address: '2001:db8::a800:ff:fe11:2233', prefix: 64, gateway: '2001:db8::1' },
      },
      { name: 'eth1', mac: 'aa:00:00:11:22:34', dhcp: true },
      { name: 'eth2', mac: 'aa:00:00:11:22:35', dhcp: false, ipv6: { address: '2001:db8:5::7', prefix: 64 } },
    ]);
    expect(f.timezone).toBe('Etc/UTC');
    expect(f.bootloader).toEqual({ firmware: 'bios', targets: ['/dev/vda'] });
    expect(f.serialConsole).toEqual({ device: 'ttyS0', speed: 115200 });
    expect(f.esp).toEqual({ uuid: 'ABCD-1234' });
    expect(f.sshAuthorizedKeys).toEqual([]);
    expect(f.nameservers).toEqual([]);
  });

  it('places GRUB by firmware and hypervisor, or where the installer says', () => {
    expect(instanceFacts(input({ firmware: 'uefi' })).bootloader.targets).toEqual(['/boot/efi']);
    expect(instanceFacts(input({ bootloaderTargets: ['/dev/loop7'] })).bootloader.targets).toEqual([
      '/dev/loop7',
    ]);
    expect(guestDiskDevice({ hypervisor: 'xen-pvm', hv: {} })).toBe('/dev/xvda');
    expect(guestDiskDevice({ hypervisor: 'kvm', hv: { disk_type: 'scsi-hd' } })).toBe('/dev/sda');
    expect(guestDiskDevice({ hypervisor: 'kvm', hv: { disk_type: 'paravirtual' } })).toBe('/dev/vda');
  });

  it('follows the serial console setting', () => {
    const off = instance({ hv: {} });
    expect(instanceFacts(input({ instance: off })).serialConsole).toBeNull();
    expect(
      instanceFacts(input({ instance: off, serialConsole: 'on', serialSpeed: 38400 })).serialConsole,
    ).toEqual({
      device: 'ttyS0',
      speed: 38400,
    });
    expect(instanceFacts(input({ serialConsole: 'off' })).serialConsole).toBeNull();
  });

  it('keeps the disk facts, subvolumes only for btrfs-subvolumes', () => {
    const f = instanceFacts(
      input({
        disk: {
          root: { uuid: ROOT.toUpperCase(), type: 'btrfs', label: 'guix-root' },
          layout: 'btrfs-subvolumes',
          subvolumes: { root: '@', home: '@home' },
          swap: { uuid: '11111111-2222-3333-4444-555555555555' },
          esp: { uuid: 'ABCD-1234' },
        },
      }),
    );
    expect(f.root).toEqual({ uuid: ROOT, type: 'btrfs', label: 'guix-root' });
    expect(f.subvolumes).toEqual({ root: '@', home: '@home' });
    expect(f.swap).toEqual({ uuid: '11111111-2222-3333-4444-555555555555' });
    expect(instanceFacts(input()).subvolumes).toBeUndefined();
  });

  it('splits and deduplicates keys, merges name servers', () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI x@y';
    const f = instanceFacts(
      input({ sshAuthorizedKeys: [`${key}\n\n${key}`, key], nameservers: ['192.0.2.53', '2001:db8::53'] }),
    );
    expect(f.sshAuthorizedKeys).toEqual([key]);
    expect(f.nameservers).toEqual(['192.0.2.53', '2001:db8::53']);
  });

  it('refuses values no guest could use, with one line', () => {
    const cases: [Partial<InstanceFactsInput>, string, RegExp][] = [
      [{ instance: instance({ name: 'bad name"' }) }, 'E_GUEST_HOSTNAME', /host name/],
      [{ timezone: 'Europe/../../etc' }, 'E_GUEST_TIMEZONE', /time zone/],
      [{ timezone: '"); (x' }, 'E_GUEST_TIMEZONE', /time zone/],
      [{ sshAuthorizedKeys: ['not a key'] }, 'E_GUEST_SSH_KEY', /ssh/],
      [{ nameservers: ['dns.example.org'] }, 'E_GUEST_NETWORK', /name server/],
      [{ bootloaderTargets: ['vda'] }, 'E_BOOT_GRUB', /targets/],
      [
        { firmware: 'uefi', disk: { root: { uuid: ROOT, type: 'ext4' }, layout: 'plain' } },
        'E_BOOT_GRUB',
        /EFI/,
      ],
      [
        {
          disk: {
            root: { uuid: ROOT, type: 'xfs' },
            layout: 'btrfs-subvolumes',
            subvolumes: { root: '@', home: '@home' },
          },
        },
        'E_LAYOUT_FILESYSTEM',
        /btrfs/,
      ],
      [{ disk: { root: { uuid: '") (x', type: 'ext4' }, layout: 'plain' } }, 'E_DISK_BLKID', /UUID/],
    ];
    for (const [over, code, message] of cases) {
      expect(() => instanceFacts(input(over)), code).toThrow(message);
      try {
        instanceFacts(input(over));
      } catch (e) {
        expect(e, code).toMatchObject({ code });
      }
    }
  });
});

describe('renderInstanceData', () => {
  it('defines every variable once, each on one line, as literals', () => {
    const f = instanceFacts(input({ sshAuthorizedKeys: ['ssh-ed25519 AAAA k'] }));
    const text = renderInstanceData(f);
    const defines = text.split('\n').filter((l) => l.startsWith('(define '));
    expect(defines.map((l) => /^\(define (\S+) /.exec(l)![1])).toEqual(
      instanceDataVariables(f).map(([n]) => n),
    );
    expect(text).toContain('(define ganeti-host-name "web1")\n');
    expect(text).toContain('(define ganeti-root-uuid "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")\n');
    expect(text).toContain('(define ganeti-layout "plain")\n');
    expect(text).toContain('(define ganeti-swap-uuid #f)\n');
    expect(text).toContain('(define ganeti-bootloader-targets (list "/dev/vda"))\n');
    expect(text).toContain(
      '(define ganeti-serial-console (list (cons \'device "ttyS0") (cons \'speed 115200)))\n',
    );
    expect(text).toContain(
      "(list (cons 'name \"eth1\") (cons 'mac \"aa:00:00:11:22:34\") (cons 'dhcp #t) (cons 'ipv4 #f) (cons 'ipv6 #f))",
    );
  });

  it('keeps hostile values inside string literals (no value in a comment, no line break)', () => {
    const hostile = 'ssh-ed25519 AAAA ")(system* "touch" "/tmp/pwned")(" #.(exit 3) ;; \u0000\u001b';
    const f = { ...instanceFacts(input()), sshAuthorizedKeys: [hostile], timezone: 'x\n(exit 1)' };
    const text = renderInstanceData(f);
    const lines = text.split('\n');
    expect(lines.filter((l) => l.startsWith(';')).join('\n')).not.toContain('pwned');
    const keyLine = lines.find((l) => l.startsWith('(define ganeti-ssh-authorized-keys'))!;
    expect(keyLine).toBe(
      '(define ganeti-ssh-authorized-keys (list "ssh-ed25519 AAAA \\")(system* \\"touch\\" \\"/tmp/pwned\\")(\\" #.(exit 3) ;; \\x00\\x1b"))',
    );
    expect(lines.find((l) => l.startsWith('(define ganeti-timezone'))).toBe(
      '(define ganeti-timezone "x\\n(exit 1)")',
    );
  });

  it('writes the short name to the hostname file', () => {
    expect(renderHostnameFile('db2.example.org')).toBe('db2\n');
    expect(() => renderHostnameFile('x;y')).toThrow(/host name/);
  });
});
