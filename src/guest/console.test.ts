import { describe, expect, it } from 'vitest';
import { addInittabGetty, consoleDevice, planSerialConsole, serialConsoleDevice } from './console.js';
import { describeEntries } from './describe.test-helper.js';

describe('serial console', () => {
  it('picks the device from the hypervisor', () => {
    expect(serialConsoleDevice({ hypervisor: 'kvm', hv: { serial_console: 'True' } })).toBe('ttyS0');
    expect(serialConsoleDevice({ hypervisor: 'kvm', hv: { serial_console: 'False' } })).toBeUndefined();
    expect(serialConsoleDevice({ hypervisor: 'xen-pvm', hv: {} })).toBe('hvc0');
  });

  it('systemd: enables serial-getty@ by symlink', async () => {
    const e = planSerialConsole({
      init: 'systemd',
      systemdUnitDir: '/usr/lib/systemd/system',
      device: 'ttyS0',
    });
    await expect(describeEntries(e)).toMatchFileSnapshot('__golden__/console-systemd.txt');
  });

  it('sysvinit: adds one inittab line, idempotently', async () => {
    const inittab =
      'id:2:initdefault:\n1:2345:respawn:/sbin/getty 38400 tty1\n#T0:23:respawn:/sbin/getty -L ttyS0 9600 vt100\n';
    const e = planSerialConsole({ init: 'sysvinit', systemdUnitDir: '/lib/systemd/system', device: 'ttyS0' });
    await expect(describeEntries(e, { samples: { '/etc/inittab': inittab } })).toMatchFileSnapshot(
      '__golden__/console-sysvinit.txt',
    );
    const once = addInittabGetty(inittab, 'ttyS0', 115200)!;
    expect(addInittabGetty(once, 'ttyS0', 115200)).toBeNull();
    expect(addInittabGetty('no newline', 'hvc0', 9600)).toBe(
      'no newline\nX0:2345:respawn:/sbin/getty -L hvc0 9600 vt100\n',
    );
  });

  it('refuses a device name with a path', () => {
    expect(() =>
      planSerialConsole({ init: 'systemd', systemdUnitDir: '/lib/systemd/system', device: '../tty' }),
    ).toThrow(/not valid/);
  });

  it('follows the variant setting: off never, on always (hvc0 on Xen PV), auto the hypervisor', () => {
    const kvmOff = { hypervisor: 'kvm', hv: { serial_console: 'False' } };
    expect(consoleDevice('off', { hypervisor: 'kvm', hv: { serial_console: 'True' } })).toBeUndefined();
    expect(consoleDevice('on', kvmOff)).toBe('ttyS0');
    expect(consoleDevice('on', { hypervisor: 'xen-pvm', hv: {} })).toBe('hvc0');
    expect(consoleDevice('auto', kvmOff)).toBeUndefined();
  });
});
