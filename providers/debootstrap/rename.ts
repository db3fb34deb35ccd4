/** rename: hostname, mailname and /etc/hosts of the guest on disk 0 follow the new instance name. */
import { openDisk } from '../../src/disk/index.js';
import { renameGuest } from '../../src/guest/index.js';
import type { RenameContext } from '../../src/sdk/types.js';
import type { DebootstrapParams } from './config.js';
import { diskZero } from './create.js';

export async function rename(ctx: RenameContext<DebootstrapParams>): Promise<void> {
  const { oldName, instance, log, runner, cleanup: stack } = ctx;
  const disk = diskZero(ctx);
  const opened = await openDisk({ ...disk, runner, cleanupRunner: ctx.cleanupRunner, log, stack });
  const reports = await renameGuest(opened.target, oldName, instance.name);
  const changed = reports.filter((r) => r.action === 'written' || r.action === 'removed').map((r) => r.path);
  log.info(oldName === instance.name ? `rename: ${instance.name} unchanged` : `renamed ${oldName} to ${instance.name}${changed.length ? ` (${changed.join(', ')})` : ''}`);
}
