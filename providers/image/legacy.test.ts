import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultsOf, Logger } from 'ganeti-os/sdk';
import { ExecRunner, loadVariant } from 'ganeti-os/sdk/linux';
import { imageLegacyMapping, imageType } from './legacy.js';
import { imageSchema } from './schema.js';

const work = mkdtempSync(join(tmpdir(), 'gos-image-legacy-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const log = new Logger('error', { write: () => undefined });

async function resolve(defaults: string, conf: string) {
  const configDir = join(work, `c${Math.random().toString(36).slice(2)}`, 'etc', 'ganeti', 'instance-image');
  mkdirSync(join(configDir, 'variants'), { recursive: true });
  mkdirSync(join(configDir, '..', '..', 'default'), { recursive: true });
  writeFileSync(join(configDir, '..', '..', 'default', 'ganeti-instance-image'), defaults);
  writeFileSync(join(configDir, 'variants', 'v.conf'), conf);
  const paths = { osDir: join(work, 'os'), configDir, shareDir: '', cacheDir: join(work, 'cache') };
  return loadVariant(
    { os: 'image', schema: imageSchema, legacy: imageLegacyMapping },
    paths,
    'v',
    new ExecRunner(log),
  );
}

describe('image variant keys', () => {
  it('an image keeps its own root password; format detected by default', () => {
    expect(defaultsOf(imageSchema)).toMatchObject({
      'root-password': 'keep',
      format: 'auto',
      'image-dir': '/var/cache/ganeti-instance-image',
      nomount: false,
    });
    expect(imageType('qemu')).toBe('auto');
    expect(imageType('tarball')).toBe('tarball');
  });

  it("instance-image's files: its variables, and its defaults for what they leave out", async () => {
    const r = await resolve(
      'ARCH="x86_64"\nIMAGE_DIR=/srv/images\n',
      'IMAGE_NAME=debian-12\nIMAGE_TYPE=qemu\nNOMOUNT=yes\nSWAP=no\nCUSTOMIZE_DIR=/srv/hooks\n',
    );
    expect(r.values).toMatchObject({
      'image-name': 'debian-12',
      arch: 'x86_64',
      'image-dir': '/srv/images',
      format: 'auto',
      nomount: true,
      swap: 'none',
      filesystem: 'ext3',
      'boot-partition': 100,
      'customize-dir': '/srv/hooks',
    });
    const sized = await resolve('', 'IMAGE_NAME=x\nSWAP_SIZE=256\nFILESYSTEM=xfs\n');
    expect(sized.values).toMatchObject({ format: 'dump', swap: 256, filesystem: 'xfs' });
    const memory = await resolve('', 'IMAGE_NAME=x\n');
    expect(memory.values['swap']).toBe('memory');
    // SWAP=no wins over a size; SWAP=yes with a size takes the size.
    const off = await resolve('SWAP_SIZE=512\n', 'IMAGE_NAME=x\nSWAP=no\n');
    expect(off.values['swap']).toBe('none');
    const on = await resolve('', 'IMAGE_NAME=x\nSWAP=yes\nSWAP_SIZE=128\n');
    expect(on.values['swap']).toBe(128);
  });
});
