/**
 * openDisk on disks made by prepareDisk (root found by /etc/fstab, /boot from the guest's fstab,
 * read-only), the chroot plumbing (binds, policy-rc.d restored, processes left in the guest stopped),
 * and symlinks in the guest never leading outside it.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
  mkdirSync,
  copyFileSync,
  chmodSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDisk, prepareDisk, type LayoutConfig } from '../../../src/disk/index.js';
import { processesRootedIn } from '../../../src/disk/processes.js';
import { enterChroot } from '../../../src/guest/chroot.js';
import { renderFstab } from '../../../src/guest/fstab.js';
import { guestDirForHostTool, writeGuestFiles } from '../../../src/guest/writer.js';
import { readMounts } from '../../../src/disk/mountinfo.js';
import { ExecRunner } from '../../../src/process/runner.js';
import { CleanupStack } from '../../../src/runtime/cleanup.js';
import { Logger, MemorySink } from '../../../src/runtime/logger.js';
import { finishDisk, isRoot, makeDiskFile, type DiskFile } from '../../helpers/disk.js';

const SIZE = 1024 ** 3;
let disk: DiskFile | undefined;
let stack: CleanupStack | undefined;

afterEach(async () => {
  const [s, d] = [stack, disk];
  stack = undefined;
  disk = undefined;
  await finishDisk(s, d);
});

function tools() {
  const log = new Logger('debug', new MemorySink());
  return { log, runner: new ExecRunner(log), stack: new CleanupStack(log) };
}

async function makeGuest(layout: LayoutConfig): Promise<{ rootUuid: string; bootUuid: string | undefined }> {
  const t = tools();
  try {
    const r = await prepareDisk({ path: disk!.path, layout, ...t });
    await writeGuestFiles(r.target, [
      { kind: 'file', path: '/etc/fstab', content: renderFstab(r.fstab), mode: 0o644 },
      { kind: 'file', path: '/etc/hostname', content: 'guest\n', mode: 0o644 },
      { kind: 'file', path: '/boot/marker', content: 'boot\n', mode: 0o644 },
    ]);
    return {
      rootUuid: r.partitions.find((p) => p.role === 'root')!.uuid!,
      bootUuid: r.partitions.find((p) => p.role === 'boot')?.uuid,
    };
  } finally {
    await t.stack.unwind();
  }
}

describe.skipIf(!isRoot)('openDisk', () => {
  const layouts: LayoutConfig[] = [
    { style: 'none', filesystem: 'ext4' },
    { style: 'msdos', filesystem: 'xfs', swapMiB: 32, bootMiB: 128 },
    { style: 'gpt', filesystem: 'btrfs', bootMiB: 128 },
  ];
  for (const layout of layouts) {
    it(`finds root and /boot on ${layout.style} ${layout.filesystem}`, async () => {
      disk = makeDiskFile(SIZE);
      const made = await makeGuest(layout);
      const t = tools();
      stack = t.stack;
      const o = await openDisk({ path: disk.path, ...t });
      expect(o.root.uuid).toBe(made.rootUuid);
      expect(o.boot?.uuid).toBe(made.bootUuid);
      expect(readFileSync(join(o.target, 'etc/hostname'), 'utf8')).toBe('guest\n');
      expect(readFileSync(join(o.target, 'boot/marker'), 'utf8')).toBe('boot\n');
      await stack.unwind();
    });
  }

  it('read-only opening mounts ro and changes nothing', async () => {
    disk = makeDiskFile(SIZE);
    await makeGuest({ style: 'msdos', filesystem: 'ext4' });
    const t = tools();
    stack = t.stack;
    const o = await openDisk({ path: disk.path, readOnly: true, partitionMapper: 'loop-offset', ...t });
    expect(o.mapper).toBe('loop-offset');
    const m = readMounts().find((x) => x.mountPoint === o.target)!;
    expect(m.options.split(',')).toContain('ro');
    expect(() => writeFileSync(join(o.target, 'x'), 'x')).toThrow(/EROFS|read-only/);
  });
});

describe.skipIf(!isRoot)('chroot plumbing', () => {
  it('binds /proc /sys /dev /dev/pts, installs and restores policy-rc.d, stops leftover processes', async () => {
    disk = makeDiskFile(SIZE);
    const t = tools();
    stack = t.stack;
    const r = await prepareDisk({ path: disk.path, layout: { style: 'msdos', filesystem: 'ext4' }, ...t });
    // A tiny guest: busybox-free, the host's static-enough /bin/sh is not available, so copy sleep + sh with libs via ldd.
    for (const bin of ['/bin/sh', '/bin/sleep', '/bin/cat']) {
      const libs = execFileSync('ldd', [bin], { encoding: 'utf8' }).match(/\/[^\s]+/g) ?? [];
      for (const f of [bin, ...libs]) {
        mkdirSync(join(r.target, f, '..'), { recursive: true });
        if (!existsSync(join(r.target, f))) copyFileSync(f, join(r.target, f));
        chmodSync(join(r.target, f), 0o755);
      }
    }
    mkdirSync(join(r.target, 'usr/sbin'), { recursive: true });
    writeFileSync(join(r.target, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });

    const chroot = await enterChroot({ target: r.target, ...t });
    for (const d of ['proc', 'sys', 'dev', 'dev/pts'])
      expect(readMounts().some((m) => m.mountPoint === join(r.target, d))).toBe(true);
    const out = await chroot.run(['/bin/cat', '/usr/sbin/policy-rc.d']);
    expect(out.stdout).toContain('exit 101');
    expect((await chroot.run(['/bin/cat', '/proc/self/status'])).stdout).toMatch(/^Name:\s+cat/m);
    // A daemon left running by a hook.
    const daemon = spawn('chroot', [r.target, '/bin/sleep', '600'], { stdio: 'ignore', detached: true });
    daemon.unref();
    await new Promise((res) => setTimeout(res, 300));
    expect(await processesRootedIn(r.target)).toContain(daemon.pid);
    await chroot.release();
    expect(await processesRootedIn(r.target)).toEqual([]);
    for (const d of ['proc', 'sys', 'dev', 'dev/pts'])
      expect(readMounts().some((m) => m.mountPoint === join(r.target, d))).toBe(false);
    expect(readFileSync(join(r.target, 'usr/sbin/policy-rc.d'), 'utf8')).toBe('#!/bin/sh\nexit 0\n');
    expect(existsSync(join(r.target, 'usr/sbin/policy-rc.d.ganeti-os-saved'))).toBe(false);
    await stack.unwind();
  });

  it('refuses a guest symlink where a mount point is expected, and writes never leave the guest', async () => {
    disk = makeDiskFile(SIZE);
    const t = tools();
    stack = t.stack;
    const r = await prepareDisk({ path: disk.path, layout: { style: 'gpt', filesystem: 'ext4' }, ...t });
    symlinkSync('/etc', join(r.target, 'proc'));
    await expect(enterChroot({ target: r.target, ...t })).rejects.toThrow(
      /mount point .*\/proc is a symlink/,
    );
    mkdirSync(join(r.target, 'etc'));
    const passwd = readFileSync('/etc/passwd', 'utf8');
    symlinkSync('/etc/passwd', join(r.target, 'etc/hostname'));
    const name = `ganeti-os-test-${process.pid}`;
    symlinkSync('/tmp', join(r.target, 'var'));
    await writeGuestFiles(r.target, [
      { kind: 'file', path: '/etc/hostname', content: 'x\n', mode: 0o644 },
      { kind: 'file', path: `/var/${name}`, content: 'x\n', mode: 0o644 },
    ]);
    // The final symlink is replaced, an inner one is followed inside the guest.
    expect(lstatSync(join(r.target, 'etc/hostname')).isFile()).toBe(true);
    expect(readFileSync('/etc/passwd', 'utf8')).toBe(passwd);
    expect(existsSync(join(r.target, 'tmp', name))).toBe(true);
    expect(existsSync(join('/tmp', name))).toBe(false);
    // A path handed to a host tool must not go through a guest symlink at all.
    symlinkSync('/etc', join(r.target, 'srv'));
    await expect(guestDirForHostTool(r.target, '/srv/grub')).rejects.toThrow(/through a symlink/);
    expect((await guestDirForHostTool(r.target, '/boot/grub')).endsWith('/boot/grub')).toBe(true);
    await stack.unwind();
  });
});
