import { describe, expect, it } from 'vitest';
import {
  bootDumpName,
  imageNameProblem,
  legacyFileName,
  locateImage,
  type SourceSettings,
} from './source.js';

const base: SourceSettings = {
  source: '',
  format: 'auto',
  sha256: '',
  sha512: '',
  sums: '',
  sumsSignature: '',
  keyring: '',
  imageDir: '/var/cache/ganeti-instance-image',
  imageName: '',
  arch: '',
  imageUrl: '',
};

describe('image names', () => {
  it('a plain file name passes; slashes, dot names, blanks do not', () => {
    expect(imageNameProblem('debian-12.qcow2')).toBeUndefined();
    expect(imageNameProblem('../etc/shadow')).toBe('it contains a slash');
    expect(imageNameProblem('/etc/shadow')).toBe('it contains a slash');
    expect(imageNameProblem('..')).toBe('it is ..');
    expect(imageNameProblem('.')).toBe('it is .');
    expect(imageNameProblem('a b')).toBe('it contains white space');
    expect(imageNameProblem('')).toBe('it is empty');
  });

  it("instance-image's file names: <IMAGE_NAME>-<ARCH><ext>", () => {
    expect(legacyFileName('debian-12', 'x86_64', 'dump')).toBe('debian-12-x86_64-root.dump');
    expect(legacyFileName('debian-12', 'x86_64', 'tarball')).toBe('debian-12-x86_64.tar.gz');
    expect(legacyFileName('debian-12', 'x86_64', 'auto')).toBe('debian-12-x86_64.img');
    expect(legacyFileName('cirros', '', 'qcow2')).toBe('cirros-.qcow2');
    expect(bootDumpName('debian-12-x86_64-root.dump')).toBe('debian-12-x86_64-boot.dump');
    expect(bootDumpName('golden.dump')).toBeUndefined();
  });
});

describe('locateImage', () => {
  it('the image parameter wins, as a file of image-dir', () => {
    expect(locateImage({ ...base, source: 'a.qcow2' }, 'b.qcow2')).toEqual({
      kind: 'file',
      dir: '/var/cache/ganeti-instance-image',
      name: 'b.qcow2',
      path: '/var/cache/ganeti-instance-image/b.qcow2',
    });
  });

  it('a URL source carries its checksums and sums file', () => {
    expect(
      locateImage(
        {
          ...base,
          source: 'https://example.org/d.tar.zst',
          sha256: 'AB'.repeat(32),
          sums: 'https://example.org/SHA256SUMS',
          sumsSignature: 'https://example.org/SHA256SUMS.gpg',
          keyring: '/etc/k.gpg',
        },
        undefined,
      ),
    ).toEqual({
      kind: 'url',
      url: 'https://example.org/d.tar.zst',
      sha256: 'ab'.repeat(32),
      sums: {
        url: 'https://example.org/SHA256SUMS',
        signature: 'https://example.org/SHA256SUMS.gpg',
        keyring: '/etc/k.gpg',
      },
    });
  });

  it("instance-image's IMAGE_NAME, from IMAGE_DIR or below IMAGE_URL", () => {
    const legacy = {
      ...base,
      imageName: 'deb',
      arch: 'x86_64',
      format: 'dump' as const,
      imageDir: '/srv/img/',
    };
    expect(locateImage(legacy, undefined)).toMatchObject({
      kind: 'file',
      path: '/srv/img/deb-x86_64-root.dump',
    });
    expect(
      locateImage({ ...legacy, imageUrl: 'http://h/imgs/', sha256: 'a'.repeat(64) }, undefined),
    ).toMatchObject({
      kind: 'url',
      url: 'http://h/imgs/deb-x86_64-root.dump',
    });
  });

  it('no source and no image-name: no image', () => {
    expect(locateImage(base, undefined)).toBeUndefined();
  });
});
