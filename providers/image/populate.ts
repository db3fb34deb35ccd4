/**
 * Putting a detected image onto disk 0. Trees (a tarball, uncompressed or gzip, xz or zstd; a root
 * dump with its -boot.dump beside it) go into the freshly made, mounted filesystems: tar with the
 * project's extraction argv (GNU tar's defaults refuse `..` members, strip leading `/`, and make
 * links out of the tree only after everything else), restore(8) through the shared dump restore
 * (a private TMPDIR per restore). Disk images go through the image layer's writer.
 */
import {
  bytesLeft,
  createProgress,
  decompressArgv,
  restoreDump,
  runPipeline,
  streamSampler,
  tarExtractArgv,
  withProgress,
  writeDiskImage,
  type DetectedImage,
  type PopulateInput,
  type PreparedDisk,
  type WholeDisk,
} from 'ganeti-os/sdk/linux';
import { OsError } from 'ganeti-os/sdk';
import { closeSync, lstatSync, mkdirSync, openSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { bootDumpName } from './source.js';

type Run = Pick<PopulateInput, 'runner' | 'log' | 'signal'>;

async function restoreFile(target: string, file: string, run: Run): Promise<void> {
  const fd = openSync(file, 'r');
  try {
    await restoreDump(target, Buffer.alloc(0), fd, { log: run.log, signal: run.signal });
  } finally {
    closeSync(fd);
  }
}

/** Unpack or restore a tree image into the prepared disk; returns a line for the log. */
export async function fillTree(image: DetectedImage, disk: PreparedDisk, run: Run): Promise<string> {
  const name = basename(image.path);
  if (image.format === 'tarball') {
    const dec = image.compression === 'none' ? undefined : decompressArgv(image.compression);
    const fd = openSync(image.path, 'r');
    try {
      // The part of the tarball read so far (the tools share our descriptor and its offset).
      const progress = {
        log: run.log,
        phase: `unpack ${name}`,
        total: bytesLeft(fd),
        sample: streamSampler(fd, 'read'),
      };
      await withProgress(progress, () =>
        runPipeline([...(dec ? [dec] : []), tarExtractArgv({ dir: disk.target, pipe: true })], {
          log: run.log,
          signal: run.signal,
          stdin: fd,
          stdout: 'ignore',
          code: 'E_IMAGE_CORRUPT',
          hint: `the tarball ${image.path} is damaged, truncated or holds members outside the root (see the messages above); make it again`,
        }),
      );
    } finally {
      closeSync(fd);
    }
    return `unpacked ${name} (tarball, ${image.compression})`;
  }
  if (image.format === 'dump') {
    await restoreFile(disk.target, image.path, run);
    const boot = bootDumpName(name);
    const bootFile = boot ? join(dirname(image.path), boot) : undefined;
    if (bootFile && isRegularFile(bootFile)) {
      const dir = join(disk.target, 'boot');
      mkdirSync(dir, { recursive: true, mode: 0o755 });
      await restoreFile(dir, bootFile, run);
      return `restored ${name} and ${boot!} (dump)`;
    }
    return `restored ${name} (dump)`;
  }
  throw new OsError('E_IMAGE_FORMAT', `${name} is a ${image.format} disk image, not a tree`, {
    hint: 'disk images are written whole; this is a bug if the format was detected',
  });
}

/** A regular file, not a link (the boot dump sits beside the root dump in the image directory). */
function isRegularFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

/** A raw or qcow2 image (compressed raw included) to write onto disk 0. */
export function writeWholeDisk(image: DetectedImage, opaque: boolean, run: Run): WholeDisk {
  const what = `${basename(image.path)} (${image.format}${image.compression !== 'none' ? `, ${image.compression}` : ''})`;
  return {
    describe: what,
    opaque,
    async write(path) {
      // A live line on a terminal, a line at least every 10 s in Ganeti's log.
      const progress = createProgress({
        phase: `write ${basename(image.path)}`,
        total: image.virtualSize,
        log: run.log,
        tty: process.stderr.isTTY,
      });
      let r;
      try {
        r = await writeDiskImage({
          image,
          device: path,
          runner: run.runner,
          log: run.log,
          signal: run.signal,
          onProgress: (done) => progress.update(done),
        });
      } catch (e) {
        progress.stop();
        throw e;
      }
      progress.finish();
      return `wrote ${what} onto ${path}: ${r.bytes} bytes`;
    },
  };
}
