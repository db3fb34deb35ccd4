import { describe, expect, it } from 'vitest';
import { bootConsole } from './console.js';

describe('bootConsole', () => {
  it('gives GRUB a serial terminal for ttyS*, the kernel console= for others, nothing without a device', () => {
    expect(bootConsole('ttyS0')).toEqual({ serial: { port: 'ttyS0', speed: 115200 }, cmdline: [] });
    expect(bootConsole('hvc0')).toEqual({ cmdline: ['console=hvc0'] });
    expect(bootConsole(undefined)).toEqual({ cmdline: [] });
  });
});
