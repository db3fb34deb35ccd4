/**
 * The pipeline's operations, loaded lazily by `defineLinuxProvider` (src/sdk/linux-provider.ts)
 * once Ganeti runs one: a provider's index module stays light.
 */
import { OsError } from '../runtime/errors.js';
import type { WarmContext } from '../sdk/types.js';
import type { LinuxInstaller } from './installer.js';

export { createLinux } from './create.js';
export { exportLinux } from './export.js';
export { importLinux } from './import.js';
export { renameLinux } from './rename.js';

/** `ganeti-os cache warm`: the variant's cache filled without a disk (parameters unset). */
export async function warmLinux<P>(
  ctx: WarmContext,
  installer: LinuxInstaller<P>,
): Promise<{ path: string; hit: boolean }> {
  const { paths, runner, log } = ctx;
  if (!installer.warm) {
    throw new OsError('E_UNSUPPORTED', `${installer.os} keeps no cache to warm`, {
      hint: 'only providers with a cache (debootstrap) have one',
    });
  }
  const cfg = await installer.configure({ paths, variant: ctx.variant, params: {} as P, runner, log });
  return installer.warm(cfg, {
    paths,
    runner,
    cleanupRunner: ctx.cleanupRunner,
    log,
    stack: ctx.cleanup,
    signal: ctx.signal,
  });
}
