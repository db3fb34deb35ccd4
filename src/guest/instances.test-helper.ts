/**
 * Sample instances for the guest planners' tests.
 */
import type { GuestInstance, GuestNic } from './types.js';

export function instance(nics: GuestNic[] = [], over: Partial<GuestInstance> = {}): GuestInstance {
  return {
    name: 'web-1.example.org',
    hypervisor: 'kvm',
    nics,
    disks: [{ index: 0, sizeMiB: 10240 }],
    hv: { serial_console: 'True' },
    be: { maxmem: '1024' },
    ...over,
  };
}

export const NIC_DHCP: GuestNic = { index: 0, mac: 'AA:00:00:12:34:56', mode: 'bridged', link: 'br0' };

export const NIC_STATIC: GuestNic = {
  index: 0,
  mac: 'aa:00:00:12:34:56',
  ip: '192.0.2.10',
  network: {
    name: 'lan',
    subnet: '192.0.2.0/24',
    gateway: '192.0.2.1',
    subnet6: '2001:db8:1::/64',
    gateway6: '2001:db8:1::1',
  },
};

export const NIC_V6_ONLY: GuestNic = {
  index: 1,
  mac: 'aa:00:00:ab:cd:ef',
  name: 'backend-v6',
  network: { name: 'v6net', subnet6: '2001:db8:2::/64', gateway6: '2001:db8:2::1' },
};

export const NIC_STATIC_NO_NET: GuestNic = {
  index: 2,
  mac: 'aa:00:00:00:00:02',
  ip: '198.51.100.7',
  name: 'eth2',
};
