/**
 * Read grub-install's own files (its programs, modules, fonts and translations: ~300 small files)
 * into the page cache while the disk is being prepared, so that grub-install, which runs once the
 * root filesystem is mounted, does not wait on the host disk for each of them. Best effort: a file
 * that cannot be read is skipped. Reads only; spawns nothing.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const PROGRAMS = [
  '/usr/sbin/grub-install',
  '/usr/bin/grub-mkimage',
  '/usr/sbin/grub-bios-setup',
  '/usr/sbin/grub-probe',
];

async function filesBelow(dir: string, depth = 2): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isFile()) out.push(p);
    else if (e.isDirectory() && depth > 0) out.push(...(await filesBelow(p, depth - 1)));
  }
  return out;
}

export async function prefetchGrubFiles(platform = 'i386-pc'): Promise<number> {
  const files = [
    ...PROGRAMS,
    ...(await filesBelow(join('/usr/lib/grub', platform))),
    ...(await filesBelow('/usr/share/grub')),
  ];
  let bytes = 0;
  // A few reads in flight: enough to keep the disk busy, not enough to compete with the real work.
  const queue = [...files];
  const worker = async (): Promise<void> => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
      bytes += await readFile(f).then(
        (b) => b.length,
        () => 0,
      );
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return bytes;
}
