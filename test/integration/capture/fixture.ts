/**
 * An instance-like disk for the capture tests (root only): a small file disk with an msdos table, a
 * separate ext4 /boot and an ext4 root holding what a captured guest has and a generalized image
 * must lose (machine-id, ssh host keys, logs, persistent net rules, a random seed), plus a guest
 * symlink to a host file, which nothing may follow. And a listing of what a capture could leak.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDisk, prepareDisk, RUNTIME_ROOT } from '../../../src/disk/index.js';
import { readMounts } from '../../../src/disk/mountinfo.js';
import { renderFstab } from '../../../src/guest/fstab.js';
import { writeGuestFiles } from '../../../src/guest/writer.js';
import { ExecRunner } from '../../../src/process/runner.js';
import { CleanupStack } from '../../../src/runtime/cleanup.js';
import { Logger, MemorySink } from '../../../src/runtime/logger.js';
import { makeDiskFile, type DiskFile } from '../../helpers/disk.js';

export const MiB = 1024 * 1024;
export const MACHINE_ID = '0123456789abcdef0123456789abcdef\n';
export const CANARY = 'host file, never to be touched\n';

export function tools(level: 'info' | 'debug' = 'debug') {
  const sink = new MemorySink();
  const log = new Logger(level, sink);
  return { log, sink, runner: new ExecRunner(log), stack: new CleanupStack(log) };
}

/** The instance disk, and a host file its guest points a log symlink at. */
export async function makeInstanceDisk(): Promise<{ disk: DiskFile; canary: string }> {
  const disk = makeDiskFile(256 * MiB, 'instance.disk0');
  const canary = join(disk.dir, 'canary.log');
  writeFileSync(canary, CANARY);
  const t = tools();
  try {
    const r = await prepareDisk({
      path: disk.path,
      layout: { style: 'msdos', filesystem: 'ext4', bootMiB: 64 },
      minRootMiB: 64,
      ...t,
    });
    const file = (path: string, content: string, mode = 0o644, uid = 0) => ({
      kind: 'file' as const,
      path,
      content,
      mode,
      owner: { uid, gid: uid === 0 ? 0 : uid },
    });
    await writeGuestFiles(r.target, [
      file('/etc/fstab', renderFstab(r.fstab)),
      file('/etc/hostname', 'golden\n'),
      file('/etc/machine-id', MACHINE_ID, 0o444),
      { kind: 'symlink', path: '/var/lib/dbus/machine-id', target: '/etc/machine-id' },
      file('/etc/ssh/sshd_config', 'PermitRootLogin no\n'),
      file('/etc/ssh/ssh_host_ed25519_key', 'PRIVATE\n', 0o600),
      file('/etc/ssh/ssh_host_ed25519_key.pub', 'ssh-ed25519 AAAA root@golden\n'),
      file('/etc/udev/rules.d/70-persistent-net.rules', 'SUBSYSTEM=="net"\n'),
      file('/var/lib/systemd/random-seed', 'seed', 0o600),
      file('/var/log/syslog', 'Jan 1 golden booted\n', 0o640, 0),
      file('/var/log/syslog.1', 'older\n', 0o640),
      file('/var/log/apt/history.log', 'Start-Date: x\n'),
      file('/home/user/notes.txt', 'mine\n', 0o600, 1234),
      file('/boot/vmlinuz-test', 'kernel\n'),
      { kind: 'symlink', path: '/var/log/host.log', target: canary },
    ]);
  } catch (e) {
    await t.stack.unwind();
    disk.remove();
    throw e;
  }
  await t.stack.unwind();
  return { disk, canary };
}

export function sha256(path: string): string {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(4 * MiB);
    let n: number;
    let pos = 0;
    while ((n = readSync(fd, buf, 0, buf.length, pos)) > 0) {
      h.update(buf.subarray(0, n));
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** The guest files a generalized image must have lost (or emptied), read from a raw disk image. */
export async function readGuest(
  raw: string,
  paths: readonly string[],
): Promise<Record<string, string | undefined>> {
  const t = tools();
  try {
    const o = await openDisk({ path: raw, readOnly: true, ...t });
    const out: Record<string, string | undefined> = {};
    for (const p of paths) {
      const host = join(o.target, p);
      out[p] = existsSync(host) ? readFileSync(host, 'utf8') : undefined;
    }
    return out;
  } finally {
    await t.stack.unwind();
  }
}

/** Anything a capture run could leave behind for files below `dir`. */
export function leftoversUnder(dir: string): string[] {
  const found: string[] = [];
  const loops = JSON.parse(execFileSync('losetup', ['-J', '-l'], { encoding: 'utf8' }) || '{}') as {
    loopdevices?: { name: string; 'back-file': string | null }[];
  };
  for (const l of loops.loopdevices ?? [])
    if ((l['back-file'] ?? '').startsWith(dir)) found.push(`loop ${l.name} on ${l['back-file']}`);
  for (const m of readMounts())
    if (m.source.startsWith(dir) || m.mountPoint.startsWith(dir)) found.push(`mount ${m.mountPoint}`);
  if (existsSync(RUNTIME_ROOT)) {
    for (const e of readdirSync(RUNTIME_ROOT)) {
      const journal = join(RUNTIME_ROOT, e, 'journal.json');
      try {
        const j = JSON.parse(readFileSync(journal, 'utf8')) as { disk?: string };
        if (j.disk?.startsWith(dir)) found.push(`runtime dir ${e} of ${j.disk}`);
      } catch {
        // not a disk runtime dir, or not ours
      }
    }
  }
  for (const e of readdirSync(dir)) if (/\.(partial|scratch)-/.test(e)) found.push(`temporary file ${e}`);
  return found;
}
