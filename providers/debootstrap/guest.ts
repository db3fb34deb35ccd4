/**
 * Guest configuration for a debootstrap guest: which planners run with which inputs, from the
 * instance and the variant. Pure apart from the tool-running steps at the bottom.
 */
import { planGuestConfig, type GuestFacts, type RootPassword } from '../../src/guest/index.js';
import type { GuestEntry } from '../../src/guest/types.js';
import type { FstabEntry } from '../../src/disk/index.js';
import type { InstanceInfo } from '../../src/ganeti/types.js';
import type { SerialConsole } from '../../src/boot/grub-config.js';
import { serialConsoleDevice } from '../../src/guest/console.js';
import type { DebootstrapVariant } from './schema.js';

/** The console device per the variant's serial-console key and the hypervisor. */
export function consoleDevice(v: DebootstrapVariant, instance: InstanceInfo): string | undefined {
  if (v.serialConsole === 'off') return undefined;
  if (v.serialConsole === 'on') return instance.hypervisor === 'xen-pvm' ? 'hvc0' : 'ttyS0';
  return serialConsoleDevice(instance);
}

export function bootConsole(device: string | undefined): { serial?: SerialConsole; cmdline: string[] } {
  if (!device) return { cmdline: [] };
  if (device.startsWith('ttyS')) return { serial: { port: device, speed: 115200 }, cmdline: [] };
  return { cmdline: [`console=${device}`] };
}

export function rootPassword(v: DebootstrapVariant, hashed: string | undefined): RootPassword {
  if (hashed !== undefined) return { mode: 'hash', hash: hashed };
  if (v.rootPassword === 'empty') return { mode: 'hash', hash: '' };
  return { mode: 'locked' };
}

export interface GuestPlanInput {
  instance: InstanceInfo;
  variant: DebootstrapVariant;
  facts: GuestFacts;
  machineId: string;
  fstab: readonly FstabEntry[];
  hashedPassword?: string;
}

export function planDebootstrapGuest(i: GuestPlanInput): GuestEntry[] {
  const v = i.variant;
  return planGuestConfig({
    info: i.instance,
    facts: v.network === 'ifupdown' || v.network === 'networkd' ? { ...i.facts, network: v.network } : i.facts,
    machineId: i.machineId,
    fstab: i.fstab,
    apt: { mirror: v.mirror, suite: v.suite, components: v.components },
    serialConsole: consoleDevice(v, i.instance) ?? false,
    rootPassword: rootPassword(v, i.hashedPassword),
    authorizedKeys: v.sshAuthorizedKeys,
    locale: v.locale,
    timezone: v.timezone,
    hostnameStyle: v.hostnameFqdn ? 'fqdn' : 'short',
    network: v.network !== 'none',
  });
}
