/**
 * `ganeti-os build --format qcow2|tarball` and `ganeti-os image capture` as an admin runs them: a
 * small provider lays a guest on the build's disk file, build turns it into the asked image with the
 * capture code, and the CLI (the built bundle) captures a disk, prints the checksum and refuses an
 * existing output with one error line.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { prepareDisk } from '../../../src/disk/index.js';
import { Registry } from '../../../src/dispatch/registry.js';
import { renderFstab } from '../../../src/guest/fstab.js';
import { writeGuestFiles } from '../../../src/guest/writer.js';
import { buildImage } from '../../../src/image-build/build.js';
import { defineProvider } from '../../../src/sdk/index.js';
import { isOsError } from '../../../src/runtime/errors.js';
import { isRoot } from '../../helpers/disk.js';
import { leftoversUnder, makeInstanceDisk, sha256, tools } from './fixture.js';

/** A guest of a few files on an msdos ext4 disk, named after the instance. */
const tiny = defineProvider({
  name: 'tiny',
  description: 'a few guest files',
  params: {},
  async create({ instance, runner, cleanupRunner, cleanup, log }) {
    const path = instance.disks[0]?.path;
    if (!path) throw new Error('the build passes disk 0');
    const r = await prepareDisk({
      path,
      layout: { style: 'msdos', filesystem: 'ext4' },
      minRootMiB: 64,
      runner,
      cleanupRunner,
      stack: cleanup,
      log,
    });
    await writeGuestFiles(r.target, [
      { kind: 'file', path: '/etc/fstab', content: renderFstab(r.fstab), mode: 0o644 },
      { kind: 'file', path: '/etc/hostname', content: `${instance.name}\n`, mode: 0o644 },
    ]);
  },
});

let work: string;
const registry = new Registry({ tiny: () => Promise.resolve({ default: tiny }) });

async function build(output: string, extra: { format?: 'raw' | 'qcow2' | 'tarball' } = {}) {
  const { log } = tools('info');
  const paths = { osDir: work, configDir: work, shareDir: work, cacheDir: work };
  return buildImage({
    os: 'tiny',
    variant: '',
    output,
    size: '256M',
    name: 'built1',
    paths,
    providers: registry,
    log,
    ...extra,
  });
}

describe.skipIf(!isRoot)('ganeti-os build --format', () => {
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'ganeti-os-build-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  afterEach(() => expect(leftoversUnder(work)).toEqual([]));

  it('tarball (named .tar.zst): the guest tree of the built disk', async () => {
    const out = join(work, 'built.tar.zst');
    const r = await build(out);
    expect(r).toMatchObject({ format: 'tarball', compress: 'zstd', output: out });
    const host = execFileSync('tar', ['--zstd', '-xOf', out, './etc/hostname'], { encoding: 'utf8' });
    expect(host).toBe('built1\n');
    expect(readdirSync(work).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('qcow2 with --format: no backing file; a dump is refused before anything is built', async () => {
    const out = join(work, 'built.img');
    const r = await build(out, { format: 'qcow2' });
    expect(r.format).toBe('qcow2');
    const info = JSON.parse(
      execFileSync('qemu-img', ['info', '--output=json', '-f', 'qcow2', out], { encoding: 'utf8' }),
    ) as Record<string, unknown>;
    expect(info['format']).toBe('qcow2');
    expect(info['backing-filename']).toBeUndefined();
    const e = await build(join(work, 'x.dump')).catch((err: unknown) => err);
    expect(isOsError(e) && `${e.code} ${e.message}`).toMatch(/^E_USAGE build writes raw, qcow2 or tarball/);
  });
});

describe.skipIf(!isRoot)('ganeti-os image capture (CLI)', () => {
  const cli = join(process.cwd(), 'dist/ganeti-os.mjs');
  const run = (...args: string[]) => {
    try {
      const stdout = execFileSync(process.execPath, [cli, 'image', 'capture', ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return { code: 0, stdout, stderr: '' };
    } catch (e) {
      const err = e as { status: number; stdout: string; stderr: string };
      return { code: err.status, stdout: err.stdout, stderr: err.stderr };
    }
  };

  it('captures a qcow2 with its checksum and refuses to overwrite it', async () => {
    const { disk } = await makeInstanceDisk();
    const out = mkdtempSync(join(tmpdir(), 'ganeti-os-capture-cli-'));
    try {
      const file = join(out, 'golden.qcow2');
      const ok = run(disk.path, '-o', file, '--sums');
      expect(ok.code).toBe(0);
      const sum = sha256(file);
      expect(ok.stdout).toBe(
        `${sum}  ${file}\nqcow2, captured in ${/captured in (\d+) s/.exec(ok.stdout)![1]} s\n`,
      );
      expect(readFileSync(join(out, 'SHA256SUMS'), 'utf8')).toBe(`${sum}  golden.qcow2\n`);
      const again = run(disk.path, '-o', file);
      expect(again.code).toBe(1);
      expect(again.stderr.trim().split('\n').at(-1)).toBe(
        `error[E_OUTPUT_EXISTS]: ${file} exists already (hint: pass --force to replace it, or choose another output name)`,
      );
      expect(leftoversUnder(out)).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
      disk.remove();
    }
  });
});
