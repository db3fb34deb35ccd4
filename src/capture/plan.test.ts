import { describe, expect, it } from 'vitest';
import { isOsError } from '../runtime/errors.js';
import {
  bootDumpPath,
  compressArgv,
  dumpArgv,
  nodeArch,
  planCapture,
  qcow2Args,
  type CapturePlanInput,
} from './plan.js';

const plan = (o: Partial<CapturePlanInput> & { output: string }) =>
  planCapture({ disk: '/dev/xenvg/web1.disk0', outputIsDir: false, ...o });

function failure(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return isOsError(e) ? `${e.code} ${e.message}` : String(e);
  }
  return 'no error';
}

describe('planCapture', () => {
  it('reads the format and compression from the output name', () => {
    const cases: [string, string, string][] = [
      ['/i/a.qcow2', 'qcow2', 'none'],
      ['/i/a.tar.zst', 'tarball', 'zstd'],
      ['/i/a.tgz', 'tarball', 'gzip'],
      ['/i/a.tar.xz', 'tarball', 'xz'],
      ['/i/a.tar', 'tarball', 'none'],
      ['/i/a.raw', 'raw', 'none'],
      ['/i/a.img.zst', 'raw', 'zstd'],
      ['/i/a.raw.gz', 'raw', 'gzip'],
      ['/i/a-x86_64-root.dump', 'dump', 'none'],
    ];
    for (const [output, format, compress] of cases)
      expect(plan({ output }), output).toMatchObject({ format, compress, output, dir: '/i' });
  });

  it('defaults to zstd for tarballs and to no compression for the others', () => {
    expect(plan({ output: '/i/x', format: 'tarball' }).compress).toBe('zstd');
    expect(plan({ output: '/i/x', format: 'raw' }).compress).toBe('none');
    expect(plan({ output: '/i/x', format: 'qcow2', compress: 'zstd' }).compress).toBe('zstd');
    expect(plan({ output: '/i/x', defaultFormat: 'raw' }).format).toBe('raw');
  });

  it('refuses what cannot be written, each with its reason', () => {
    expect(failure(() => plan({ output: '/i/image' }))).toMatch(/^E_CAPTURE_FORMAT cannot tell/);
    expect(failure(() => plan({ output: '/i/a.qcow2', compress: 'xz' }))).toMatch(
      /^E_CAPTURE_FORMAT qcow2 images cannot be compressed with xz/,
    );
    expect(failure(() => plan({ output: '/i/a.dump', compress: 'zstd' }))).toMatch(/dump/);
    expect(failure(() => plan({ output: '/i/a.tar.zst', compress: 'xz' }))).toMatch(
      /says zstd compression but --compress xz/,
    );
    expect(failure(() => plan({ output: '/i', outputIsDir: true, format: 'raw' }))).toMatch(
      /^E_USAGE output \/i is a directory/,
    );
    expect(failure(() => plan({ output: '/i/a\nb.raw' }))).toMatch(/^E_USAGE/);
    expect(failure(() => plan({ output: '/i', outputIsDir: true, name: '../etc' }))).toMatch(
      /^E_USAGE --name/,
    );
  });

  it('names dumps in a directory the way ganeti-instance-image looks them up', () => {
    expect(plan({ output: '/img', outputIsDir: true, name: 'golden', arch: 'x86_64' })).toEqual({
      format: 'dump',
      compress: 'none',
      output: '/img/golden-x86_64-root.dump',
      bootOutput: '/img/golden-x86_64-boot.dump',
      dir: '/img',
    });
    expect(plan({ output: '/img', outputIsDir: true }).output).toBe(`/img/web1-${nodeArch()}-root.dump`);
    expect(bootDumpPath('/i/golden-x86_64-root.dump')).toBe('/i/golden-x86_64-boot.dump');
    expect(bootDumpPath('/i/golden.dump')).toBe('/i/golden-boot.dump');
    expect(bootDumpPath('/i/golden')).toBe('/i/golden-boot.dump');
  });
});

describe('tool arguments', () => {
  it('always names the source format for qemu-img and compresses clusters on request', () => {
    expect(qcow2Args('/d', '/o', 'none')).toEqual(['convert', '-f', 'raw', '-O', 'qcow2', '/d', '/o']);
    expect(qcow2Args('/d', '/o', 'gzip')).toContain('compression_type=zlib');
    expect(qcow2Args('/d', '/o', 'zstd').slice(5, 8)).toEqual(['-c', '-o', 'compression_type=zstd']);
  });
  it('dumps to stdout without operator questions', () => {
    expect(dumpArgv('/dev/loop0p1', 'none')).toEqual(['dump', '-0', '-q', '-f', '-', '/dev/loop0p1']);
    expect(dumpArgv('/dev/loop0p1', 'gzip')).toContain('-z6');
    expect(compressArgv('zstd')[0]).toBe('zstd');
  });
});
