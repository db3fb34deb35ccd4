/**
 * A login prompt on the serial console. systemd guests: serial-getty@<dev>.service enabled through
 * its getty.target.wants symlink; sysvinit guests: an inittab line (added once, idempotent).
 * The device follows the hypervisor: hvc0 for Xen PV, ttyS0 when the KVM serial_console is on.
 */
import { OsError } from '../runtime/errors.js';
import type { GuestEntry, GuestInstance } from './types.js';

export interface SerialConsoleOptions {
  init: 'systemd' | 'sysvinit' | 'unknown';
  systemdUnitDir: string;
  /** ttyS0, hvc0, ...; default from serialConsoleDevice(). */
  device: string;
  /** Default 115200. */
  baud?: number;
}

/** The serial console device for an instance, or undefined when it has none. */
export function serialConsoleDevice(info: Pick<GuestInstance, 'hypervisor' | 'hv'>): string | undefined {
  if (info.hypervisor === 'xen-pvm') return 'hvc0';
  const sc = info.hv['serial_console'];
  if (sc !== undefined && /^(true|yes|1)$/i.test(sc)) return 'ttyS0';
  return undefined;
}

/** The console device per a variant's `serial-console` setting (auto: follow the hypervisor). */
export function consoleDevice(
  setting: 'auto' | 'on' | 'off',
  info: Pick<GuestInstance, 'hypervisor' | 'hv'>,
): string | undefined {
  if (setting === 'off') return undefined;
  if (setting === 'on') return info.hypervisor === 'xen-pvm' ? 'hvc0' : 'ttyS0';
  return serialConsoleDevice(info);
}

/** Append the inittab getty line unless one for the device exists. */
export function addInittabGetty(current: string | undefined, device: string, baud: number): string | null {
  const text = current ?? '';
  const lines = text.split('\n');
  const re = new RegExp(`getty.*\\b${device}\\b`);
  if (lines.some((l) => !l.trimStart().startsWith('#') && re.test(l))) return null;
  const id = device === 'hvc0' ? 'X0' : `T${device.replace(/\D/g, '').slice(-1) || '0'}`;
  const line = `${id}:2345:respawn:/sbin/getty -L ${device} ${baud} vt100`;
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`;
}

export function planSerialConsole(opts: SerialConsoleOptions): GuestEntry[] {
  if (!/^[a-zA-Z0-9]+$/.test(opts.device)) {
    throw new OsError(
      'E_GUEST_CONSOLE',
      `serial console device ${JSON.stringify(opts.device)} is not valid`,
      { hint: 'e.g. ttyS0 or hvc0' },
    );
  }
  const baud = opts.baud ?? 115200;
  if (opts.init === 'sysvinit') {
    return [{ kind: 'edit', path: '/etc/inittab', apply: (c) => addInittabGetty(c, opts.device, baud) }];
  }
  return [
    {
      kind: 'symlink',
      path: `/etc/systemd/system/getty.target.wants/serial-getty@${opts.device}.service`,
      target: `${opts.systemdUnitDir}/serial-getty@.service`,
    },
  ];
}
