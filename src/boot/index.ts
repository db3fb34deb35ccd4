/** Boot support: GRUB for BIOS and UEFI, serial console, kernel command line, and the qemu boot test. */
export { installBootloader, type InstallBootloaderOptions, type InstalledBoot, type BootDisk } from './install.js';
export { planBoot, type BootPlan, type BootOptions, type GuestFile } from './plan.js';
export {
  DEFAULT_SERIAL,
  serialFromHv,
  kernelCommandLine,
  consoleArgs,
  renderDefaultGrub,
  renderGrubCfg,
  pickKernel,
  type SerialConsole,
  type KernelPick,
} from './grub-config.js';
export { writeGuestFile, guestDir, listGuestFiles } from './guest-files.js';
export { bootTest, qemuArgs, type BootTestOptions, type BootTestResult } from './qemu.js';
