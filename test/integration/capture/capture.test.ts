/**
 * captureImage on a real instance-like file disk (msdos, ext4 root and /boot), in every format, with
 * and without --generalize: each output checked with the tool that reads it (qemu-img, tar,
 * restore, zstd), the generalized ones lacking the clone's identity, the source disk unchanged byte
 * for byte, checksums written, and a disk in use or an existing output refused, with nothing left
 * mounted, attached or half-written.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureImage, type CaptureOptions } from '../../../src/capture/index.js';
import { isOsError } from '../../../src/runtime/errors.js';
import { assertNoLeftovers, isRoot, makeDiskFile, type DiskFile } from '../../helpers/disk.js';
import {
  CANARY,
  leftoversUnder,
  MACHINE_ID,
  makeInstanceDisk,
  MiB,
  readGuest,
  sha256,
  tools,
} from './fixture.js';

let disk: DiskFile | undefined;
let canary: string;
let sourceSum: string;
let out: string;

const IDENTITY = [
  '/etc/machine-id',
  '/var/lib/dbus/machine-id',
  '/etc/ssh/ssh_host_ed25519_key',
  '/etc/ssh/ssh_host_ed25519_key.pub',
  '/etc/ssh/sshd_config',
  '/etc/udev/rules.d/70-persistent-net.rules',
  '/var/lib/systemd/random-seed',
  '/var/log/syslog',
  '/var/log/syslog.1',
  '/var/log/apt/history.log',
  '/home/user/notes.txt',
];

async function capture(o: Partial<CaptureOptions> & { output: string }) {
  const t = tools();
  try {
    return await captureImage({ disk: disk!.path, ...t, ...o });
  } finally {
    await t.stack.unwind();
  }
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return isOsError(e) ? `${e.code} ${e.message} (hint: ${e.hint ?? ''})` : String(e);
  }
  return 'no error';
}

function expectGeneralized(files: Record<string, string | undefined>): void {
  expect(files['/etc/machine-id']).toBe('');
  expect(files['/var/lib/dbus/machine-id']).toBeUndefined();
  expect(files['/etc/ssh/ssh_host_ed25519_key']).toBeUndefined();
  expect(files['/etc/ssh/ssh_host_ed25519_key.pub']).toBeUndefined();
  expect(files['/etc/udev/rules.d/70-persistent-net.rules']).toBeUndefined();
  expect(files['/var/lib/systemd/random-seed']).toBeUndefined();
  expect(files['/var/log/syslog']).toBe('');
  expect(files['/var/log/apt/history.log']).toBe('');
  expect(files['/var/log/syslog.1']).toBeUndefined();
  // What is not identity stays.
  expect(files['/etc/ssh/sshd_config']).toBe('PermitRootLogin no\n');
  expect(files['/home/user/notes.txt']).toBe('mine\n');
}

/** The members of a dump, as `restore -t` lists them. */
function restoreList(file: string): string {
  return execFileSync('restore', ['-t', '-f', file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

function expectSidecar(file: string): string {
  const sum = sha256(file);
  expect(readFileSync(`${file}.sha256`, 'utf8')).toBe(`${sum}  ${file.slice(file.lastIndexOf('/') + 1)}\n`);
  return sum;
}

describe.skipIf(!isRoot)('image capture', () => {
  beforeAll(async () => {
    ({ disk, canary } = await makeInstanceDisk());
    sourceSum = sha256(disk.path);
  });
  afterAll(() => {
    if (!disk) return;
    assertNoLeftovers(disk);
    disk.remove();
  });

  afterEach(() => {
    // The source is only ever read, the guest's symlink to the host never followed, nothing leaks.
    expect(sha256(disk!.path)).toBe(sourceSum);
    expect(readFileSync(canary, 'utf8')).toBe(CANARY);
    expect(leftoversUnder(out)).toEqual([]);
    expect(leftoversUnder(disk!.dir)).toEqual([]);
    assertNoLeftovers(disk!);
    rmSync(out, { recursive: true, force: true });
  });
  const fresh = (): string => (out = mkdtempSync(join(tmpdir(), 'ganeti-os-capture-')));

  it('raw: the disk byte for byte, sparse, with its .sha256', async () => {
    const file = join(fresh(), 'golden.raw');
    const r = await capture({ output: file });
    expect(r).toMatchObject({ format: 'raw', compress: 'none', generalized: false });
    expect(sha256(file)).toBe(sourceSum);
    expect(statSync(file).blocks * 512).toBeLessThan(128 * MiB);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(expectSidecar(file)).toBe(r.files[0]!.sha256);
  });

  it('raw, zstd, generalized: one zstd stream of the generalized disk', async () => {
    const file = join(fresh(), 'golden.raw.zst');
    const r = await capture({ output: file, generalize: true });
    expect(r).toMatchObject({ format: 'raw', compress: 'zstd', generalized: true });
    expectSidecar(file);
    const raw = join(out, 'check.raw');
    execFileSync('zstd', ['-q', '-d', file, '-o', raw]);
    expect(statSync(raw).size).toBe(statSync(disk!.path).size);
    expectGeneralized(await readGuest(raw, IDENTITY));
  });

  it('qcow2: no backing file, the same content as the disk', async () => {
    const file = join(fresh(), 'golden.qcow2');
    await capture({ output: file });
    const info = JSON.parse(
      execFileSync('qemu-img', ['info', '--output=json', '-f', 'qcow2', file], {
        encoding: 'utf8',
      }),
    ) as Record<string, unknown>;
    expect(info['format']).toBe('qcow2');
    expect(info['backing-filename']).toBeUndefined();
    expect(info['virtual-size']).toBe(256 * MiB);
    execFileSync('qemu-img', ['compare', '-q', '-f', 'raw', '-F', 'qcow2', disk!.path, file]);
    expectSidecar(file);
  });

  it('qcow2, zstd clusters, generalized', async () => {
    const file = join(fresh(), 'golden.qcow2');
    await capture({ output: file, compress: 'zstd', generalize: true });
    const info = execFileSync('qemu-img', ['info', '-f', 'qcow2', file], { encoding: 'utf8' });
    expect(info).toMatch(/compression type: zstd/);
    expect(info).not.toMatch(/backing file/);
    const raw = join(out, 'check.raw');
    execFileSync('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', file, raw]);
    expectGeneralized(await readGuest(raw, IDENTITY));
  });

  it('tarball (zstd by default): root and /boot, numeric owners, the identity kept', async () => {
    const file = join(fresh(), 'golden.tar.zst');
    const r = await capture({ output: file });
    expect(r.compress).toBe('zstd');
    const list = execFileSync('tar', ['--zstd', '--numeric-owner', '-tvf', file], { encoding: 'utf8' });
    expect(list).toMatch(/ 1234\/1234 .* \.\/home\/user\/notes\.txt$/m);
    expect(list).toMatch(/ \.\/boot\/vmlinuz-test$/m);
    expect(list).toMatch(/ \.\/etc\/ssh\/ssh_host_ed25519_key$/m);
    expect(list).toMatch(/ \.\/var\/log\/host\.log -> /m);
    const id = execFileSync('tar', ['--zstd', '-xOf', file, './etc/machine-id'], { encoding: 'utf8' });
    expect(id).toBe(MACHINE_ID);
    expectSidecar(file);
  });

  it('tarball, gzip, generalized', async () => {
    const file = join(fresh(), 'golden.tgz');
    await capture({ output: file, generalize: true });
    const tree = join(out, 'tree');
    mkdirSync(tree);
    execFileSync('tar', ['--numeric-owner', '-xzf', file, '-C', tree]);
    const files: Record<string, string | undefined> = {};
    for (const p of IDENTITY) {
      try {
        files[p] = readFileSync(join(tree, p), 'utf8');
      } catch {
        files[p] = undefined;
      }
    }
    expectGeneralized(files);
    expect(statSync(join(tree, 'var/log/syslog')).mode & 0o777).toBe(0o640);
    expect(readFileSync(join(tree, 'boot/vmlinuz-test'), 'utf8')).toBe('kernel\n');
  });

  it('dump into a directory: instance-image names, root and boot, SHA256SUMS', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'SHA256SUMS'), `${'0'.repeat(64)}  other.qcow2\n`);
    const r = await capture({ output: dir, name: 'golden', arch: 'x86_64', sums: true });
    const root = join(dir, 'golden-x86_64-root.dump');
    const boot = join(dir, 'golden-x86_64-boot.dump');
    expect(r.files.map((f) => f.path)).toEqual([root, boot]);
    const rootList = restoreList(root);
    expect(rootList).toMatch(/\.\/etc\/machine-id$/m);
    expect(rootList).toMatch(/\.\/home\/user\/notes\.txt$/m);
    expect(restoreList(boot)).toMatch(/\.\/vmlinuz-test$/m);
    const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8');
    expect(sums).toBe(
      `${'0'.repeat(64)}  other.qcow2\n${expectSidecar(root)}  golden-x86_64-root.dump\n${expectSidecar(boot)}  golden-x86_64-boot.dump\n`,
    );
    execFileSync('sha256sum', ['-c', '--quiet', '--ignore-missing', 'SHA256SUMS'], { cwd: dir });
  });

  it('dump to a file, generalized, zlib inside: the boot dump named beside it', async () => {
    const file = join(fresh(), 'golden-x86_64-root.dump');
    const r = await capture({ output: file, generalize: true, compress: 'gzip' });
    expect(r.files.map((f) => f.path)).toEqual([file, join(out, 'golden-x86_64-boot.dump')]);
    const list = restoreList(file);
    expect(list).not.toMatch(/ssh_host_/);
    expect(list).not.toMatch(/syslog\.1/);
    const x = join(out, 'x');
    mkdirSync(x);
    // -a: read the one volume without asking; "n": leave the owner and mode of x alone.
    execFileSync('restore', ['-x', '-a', '-y', '-f', file, './etc/machine-id', './var/log/syslog'], {
      cwd: x,
      input: 'n\n',
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    expect(readFileSync(join(x, 'etc/machine-id'), 'utf8')).toBe('');
    expect(readFileSync(join(x, 'var/log/syslog'), 'utf8')).toBe('');
  });

  it('refuses an existing output unless forced, and replaces it whole', async () => {
    const file = join(fresh(), 'golden.qcow2');
    writeFileSync(file, 'old');
    expect(await refusal(capture({ output: file }))).toMatch(/^E_OUTPUT_EXISTS .*exists already.*--force/);
    expect(readFileSync(file, 'utf8')).toBe('old');
    await capture({ output: file, force: true });
    expect(readFileSync(file).subarray(0, 4).toString('latin1')).toBe('QFI\xfb');
  });

  it('refuses a mounted disk and a disk held open by a process', async () => {
    const file = join(fresh(), 'golden.raw');
    const mnt = join(out, 'mnt');
    mkdirSync(mnt);
    const table = JSON.parse(execFileSync('sfdisk', ['-J', disk!.path], { encoding: 'utf8' })) as {
      partitiontable: { partitions: { start: number }[] };
    };
    const start = table.partitiontable.partitions.at(-1)!.start;
    execFileSync('mount', ['-o', `ro,loop,offset=${start * 512}`, disk!.path, mnt]);
    try {
      expect(await refusal(capture({ output: file }))).toMatch(
        /^E_CAPTURE_IN_USE cannot capture .*instance\.disk0.*in use.*\(hint: stop the instance/,
      );
    } finally {
      execFileSync('umount', [mnt]);
    }
    const holder = spawn('sh', ['-c', 'exec 3<"$1"; exec sleep 30', 'sh', disk!.path], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(await refusal(capture({ output: file }))).toMatch(
        /^E_CAPTURE_IN_USE .*held open by sleep \(pid \d+\)/,
      );
    } finally {
      holder.kill('SIGKILL');
    }
    expect(readdirSync(out)).toEqual(['mnt']);
  });

  it('a failure leaves no partial output: a blank disk has no guest to generalize', async () => {
    const blank = makeDiskFile(64 * MiB);
    try {
      const file = join(fresh(), 'blank.tar.zst');
      const t = tools();
      let msg: string;
      try {
        msg = await refusal(captureImage({ disk: blank.path, output: file, generalize: true, ...t }));
      } finally {
        await t.stack.unwind();
      }
      expect(msg).toMatch(/^E_DISK_NO_ROOT/);
      expect(readdirSync(out)).toEqual([]);
      expect(leftoversUnder(blank.dir)).toEqual([]);
    } finally {
      blank.remove();
    }
  });
});
