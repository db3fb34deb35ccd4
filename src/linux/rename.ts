/** rename, shared: hostname, mailname and /etc/hosts of the guest on disk 0 follow the new instance name. */
import { openDisk } from '../disk/index.js';
import { renameGuest } from '../guest/index.js';
import type { RenameContext } from '../sdk/types.js';
import { diskZero } from './disk.js';

export async function renameLinux(ctx: RenameContext<unknown>): Promise<void> {
  const { oldName, instance, log, runner, cleanup: stack } = ctx;
  const opened = await openDisk({ ...diskZero(ctx), runner, cleanupRunner: ctx.cleanupRunner, log, stack });
  const reports = await renameGuest(opened.target, oldName, instance.name);
  const changed = reports.filter((r) => r.action === 'written' || r.action === 'removed').map((r) => r.path);
  log.info(
    oldName === instance.name
      ? `rename: ${instance.name} unchanged`
      : `renamed ${oldName} to ${instance.name}${changed.length ? ` (${changed.join(', ')})` : ''}`,
  );
}
