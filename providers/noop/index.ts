/**
 * noop: installs nothing. For instances installed by PXE, a CD-ROM or an external installer. Export
 * and import move each disk's raw bytes (block devices and file disks); create and rename succeed
 * without touching the disk. A drop-in for Debian's ganeti-os-noop.
 */
import { defineProvider } from 'ganeti-os/sdk';

export default defineProvider({
  name: 'noop',
  description: 'no installation; export/import stream raw disk bytes',
  // No parameters and no variants: API 15 is all it needs, and Ganeti then skips the `verify`
  // run it makes before every add and reinstall of an API 20 OS.
  apiVersions: [15, 10],
  params: {},
  noOp: ['create', 'rename'],
  rawStreams: true,
  create({ log, reinstall }) {
    log.debug(reinstall ? 'noop: reinstall, nothing to do' : 'noop: nothing to install');
    return Promise.resolve();
  },
  rename({ log, oldName, instance }) {
    log.debug(`noop: rename ${oldName} -> ${instance.name}, nothing to do`);
    return Promise.resolve();
  },
  async export({ target, reportSize, signal, log }) {
    const { exportRaw } = await import('ganeti-os/sdk/linux');
    await exportRaw(target.device, (n) => reportSize(n), signal, log);
  },
  async import({ target, in: inFd, signal, log }) {
    const { importRaw } = await import('ganeti-os/sdk/linux');
    await importRaw(target.device, inFd, signal, log);
  },
});
