import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  consoleArgs,
  kernelCommandLine,
  pickKernel,
  renderDefaultGrub,
  renderEarlyConfig,
  renderGrubCfg,
  serialFromHv,
} from './grub-config.js';

const serial = { port: 'ttyS0', speed: 115200 };

describe('kernel command line and serial console', () => {
  it('serial console follows INSTANCE_HV_serial_console', () => {
    expect(serialFromHv('True')).toEqual(serial);
    expect(serialFromHv('False')).toBeUndefined();
    expect(serialFromHv(undefined)).toBeUndefined();
    expect(serialFromHv('True', { port: 'ttyS1', speed: 38400 })).toEqual({ port: 'ttyS1', speed: 38400 });
  });
  it('puts the serial console last', () => {
    expect(consoleArgs(serial)).toEqual(['console=tty0', 'console=ttyS0,115200n8']);
    expect(kernelCommandLine({ rootUuid: 'u-1', serial, extra: ['quiet'] })).toBe(
      'root=UUID=u-1 ro console=tty0 console=ttyS0,115200n8 quiet',
    );
    expect(kernelCommandLine({ rootUuid: 'u-1' })).toBe('root=UUID=u-1 ro');
  });
});

describe('kernel choice', () => {
  it('compares versions numerically', () => {
    expect(compareVersions('6.1.0-10-amd64', '6.1.0-9-amd64')).toBeGreaterThan(0);
    expect(compareVersions('5.10.0-28-amd64', '6.1.0-1-amd64')).toBeLessThan(0);
    expect(compareVersions('6.1', '6.1.0')).toBeLessThan(0);
  });
  it('picks the newest kernel and its initrd', () => {
    expect(
      pickKernel([
        'config-6.1.0-9-amd64',
        'vmlinuz-6.1.0-9-amd64',
        'vmlinuz-6.1.0-10-amd64',
        'initrd.img-6.1.0-10-amd64',
        'System.map-6.1.0-10-amd64',
      ]),
    ).toEqual({
      version: '6.1.0-10-amd64',
      kernel: 'vmlinuz-6.1.0-10-amd64',
      initrd: 'initrd.img-6.1.0-10-amd64',
    });
    expect(pickKernel(['vmlinuz-5.0'])).toEqual({ version: '5.0', kernel: 'vmlinuz-5.0', initrd: undefined });
    expect(pickKernel(['grub', 'vmlinuz'])).toBeUndefined();
  });
});

describe('GRUB files', () => {
  const kernel = {
    version: '6.1.0-27-amd64',
    kernel: 'vmlinuz-6.1.0-27-amd64',
    initrd: 'initrd.img-6.1.0-27-amd64',
  };
  it('renders grub.cfg with serial terminal and root by UUID', () => {
    expect(
      renderGrubCfg({
        bootUuid: 'r-1',
        bootPrefix: '/boot',
        bootFsModule: 'ext2',
        kernel,
        cmdline: 'root=UUID=r-1 ro console=ttyS0,115200n8',
        serial,
      }),
    ).toBe(
      `# Written by ganeti-os; grub-mkconfig may replace it.
set default=0
set timeout=1
insmod part_msdos
insmod part_gpt
insmod ext2
insmod gzio
insmod serial
serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1
terminal_input serial console
terminal_output serial console
search --no-floppy --fs-uuid --set=root r-1
menuentry 'Linux 6.1.0-27-amd64' {
\tlinux /boot/vmlinuz-6.1.0-27-amd64 root=UUID=r-1 ro console=ttyS0,115200n8
\tinitrd /boot/initrd.img-6.1.0-27-amd64
}
`,
    );
  });
  it('uses paths relative to a separate /boot and omits serial when off', () => {
    const cfg = renderGrubCfg({
      bootUuid: 'b-1',
      bootPrefix: '',
      bootFsModule: 'xfs',
      kernel: { ...kernel, initrd: undefined },
      cmdline: 'root=UUID=r-1 ro',
    });
    expect(cfg).toContain('search --no-floppy --fs-uuid --set=root b-1\n');
    expect(cfg).toContain('\tlinux /vmlinuz-6.1.0-27-amd64 root=UUID=r-1 ro\n');
    expect(cfg).not.toMatch(/serial|initrd/);
  });
  it('renders /etc/default/grub', () => {
    expect(renderDefaultGrub({ serial, extra: ['quiet'] })).toBe(
      `# Written by ganeti-os. grub-mkconfig/update-grub read this file.
GRUB_DEFAULT=0
GRUB_TIMEOUT=1
GRUB_DISTRIBUTOR=\`lsb_release -i -s 2> /dev/null || echo Debian\`
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=tty0 console=ttyS0,115200n8 quiet"
GRUB_DISABLE_OS_PROBER=true
GRUB_TERMINAL="serial console"
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1"
`,
    );
    expect(renderDefaultGrub({ serial: { port: 'ttyS1', speed: 9600 } })).toContain(
      'serial --unit=1 --speed=9600',
    );
    expect(renderDefaultGrub({})).not.toContain('GRUB_TERMINAL');
  });
  it('renders the EFI early config', () => {
    expect(renderEarlyConfig('b-1', '')).toBe(
      'search --no-floppy --fs-uuid --set=root b-1\nset prefix=($root)/grub\nconfigfile $prefix/grub.cfg\n',
    );
  });
});
