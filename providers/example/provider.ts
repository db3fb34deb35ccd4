/**
 * A worked example of a custom provider (see README "Writing a provider"). Install it with
 *   ganeti-os install --provider providers/example/provider.ts
 * and use it with `gnt-instance add -o motd+default -O greeting=hello ...`.
 *
 * It writes a greeting to the first 512 bytes of disk 0 on create, keeps a marker while it works
 * (registered on the cleanup stack, so it is removed on success, failure or SIGTERM) and streams
 * raw bytes on export/import like noop.
 */
import { open, rm, writeFile } from 'node:fs/promises';
import { defineProvider, OsError, param } from 'ganeti-os/sdk';

export default defineProvider({
  name: 'motd',
  description: 'writes a greeting to the start of disk 0',
  params: {
    greeting: param.string({ description: 'text written to the disk', default: 'hello from ganeti-os' }),
    delay: param.integer({ description: 'seconds to wait before writing (for testing signals)', default: 0, min: 0, max: 3600 }),
    token: param.string({ description: 'a secret that must never be logged', private: true }),
  },
  variants: () => ['default', 'loud'],
  verify(params, { variant }) {
    if (variant === 'loud' && params.greeting !== params.greeting.toUpperCase()) {
      throw new OsError('E_PARAM', 'variant loud needs an upper-case greeting', { hint: 'use -O greeting=HELLO' });
    }
  },
  async create({ instance, params, variant, log, cleanup, signal }) {
    const disk = instance.disks[0]?.path;
    if (!disk) throw new OsError('E_NO_DISK', 'the instance has no disk 0 path', { hint: 'create the instance with a disk' });
    const marker = `/run/motd-${instance.name}.working`;
    await writeFile(marker, String(process.pid));
    cleanup.push(`remove ${marker}`, () => rm(marker, { force: true }));
    log.info(`writing greeting for ${instance.name} (variant ${variant}); token ${params.token ?? '(none)'}`);
    if (params.delay > 0) {
      await new Promise((resolve, reject) => {
        const t = setTimeout(resolve, params.delay * 1000);
        signal.addEventListener('abort', () => {
          clearTimeout(t);
          reject(new OsError('E_INTERRUPTED', 'interrupted'));
        });
      });
    }
    const fh = await open(disk, 'r+');
    try {
      const text = Buffer.alloc(512);
      text.write(variant === 'loud' ? params.greeting.toUpperCase() : params.greeting);
      await fh.write(text, 0, 512, 0);
    } finally {
      await fh.close();
    }
  },
  rename: ({ log, oldName, instance }) => {
    log.info(`renamed ${oldName} to ${instance.name}`);
    return Promise.resolve();
  },
  export: () => Promise.reject(new OsError('E_UNSUPPORTED', 'motd does not export', { hint: 'use noop to move raw disks' })),
  import: () => Promise.reject(new OsError('E_UNSUPPORTED', 'motd does not import', { hint: 'use noop to move raw disks' })),
});
