/** How the bootloader hands the console to the kernel: GRUB's serial terminal for ttyS*, `console=` otherwise. */
import type { SerialConsole } from './grub-config.js';

export function bootConsole(device: string | undefined): { serial?: SerialConsole; cmdline: string[] } {
  if (!device) return { cmdline: [] };
  if (device.startsWith('ttyS')) return { serial: { port: device, speed: 115200 }, cmdline: [] };
  return { cmdline: [`console=${device}`] };
}
