/**
 * detectImage: what an image file is, from its content. The file must be a regular file (opened
 * with O_NOFOLLOW); compressed files are classified by their decompressed head; a qcow2 header is
 * judged in-process before qemu-img is asked for a second opinion (`-f qcow2` always, on the very
 * descriptor we inspected, under prlimit). A declared format that differs from the content is
 * refused.
 */
import { resolve } from 'node:path';
import { OsError } from '../runtime/errors.js';
import { lastLine } from '../process/pipeline.js';
import type { Logger } from '../runtime/logger.js';
import type { Runner } from '../process/types.js';
import { classifyHead, HEAD_BYTES } from './classify.js';
import { openImageFile, peekDecompressed, readHead, type OpenedImage } from './file.js';
import { inspectQcow2Header } from './qcow2.js';
import { checkQemuInfo } from './qemu-info.js';
import {
  describeImage,
  type DetectedImage,
  type HeadClass,
  type ImageFormat,
  type Qcow2Info,
} from './types.js';

/** Address space and CPU seconds qemu-img info may use on an untrusted image. */
const INFO_LIMITS = ['--as=1073741824', '--cpu=30'] as const;

export interface DetectOptions {
  log?: Logger;
}

/** Classify an opened image: the head, and the decompressed head when compressed. */
export async function classifyOpened(
  img: OpenedImage,
  log?: Logger,
): Promise<{ head: Buffer; cls: HeadClass & { format: ImageFormat } }> {
  const head = readHead(img.fd, HEAD_BYTES);
  let cls = classifyHead(head);
  if (cls.format === 'compressed' && cls.compression !== 'none')
    cls = classifyHead(head, await peekDecompressed(img.fd, cls.compression, HEAD_BYTES, log));
  if (cls.format === 'compressed') throw new OsError('E_INTERNAL', 'a compressed image was not looked into');
  return { head, cls: { format: cls.format, compression: cls.compression } };
}

export function checkDeclared(
  declared: ImageFormat | undefined,
  found: HeadClass & { format: ImageFormat },
): void {
  if (declared === undefined || declared === found.format) return;
  throw new OsError(
    'E_IMAGE_FORMAT',
    `declared ${declared} but the file is a ${describeImage(found.format, found.compression)}`,
    { hint: `set the variant's format to ${found.format}, or use a ${declared} image` },
  );
}

/**
 * qemu-img's second opinion, on the descriptor we inspected (through /proc, so a file swapped in
 * behind our back is never read): `info` must agree with the header, and `check` (metadata only,
 * fast) must find no corruption, since qemu-img convert reads a truncated image as zeros.
 */
async function qemuOpinion(runner: Runner, img: OpenedImage, header: Qcow2Info): Promise<void> {
  const qemuImg = (...args: string[]): [string, string[]] => [
    'prlimit',
    [
      ...INFO_LIMITS,
      '--',
      'qemu-img',
      ...args,
      '-f',
      'qcow2',
      '--output=json',
      `/proc/${process.pid}/fd/${img.fd}`,
    ],
  ];
  // Both at once (each reads only metadata); info's verdict comes first.
  const [infoR, checkR] = await Promise.allSettled([
    runner.run(...qemuImg('info'), {
      code: 'E_IMAGE_QCOW2',
      hint: 'the image is damaged; check it with qemu-img check',
    }),
    runner.run(...qemuImg('check'), { reject: false }),
  ]);
  if (infoR.status === 'rejected') throw infoR.reason;
  checkQemuInfo(infoR.value.stdout, header);
  if (checkR.status === 'rejected') throw checkR.reason;
  const check = checkR.value;
  // check: 0 clean, 3 only leaked clusters (harmless for reading), 2 corruptions, others failed.
  if (check.exitCode === 0 || check.exitCode === 3) return;
  const found = /"corruptions":\s*(\d+)/.exec(check.stdout)?.[1];
  throw new OsError(
    'E_IMAGE_CORRUPT',
    found
      ? `the qcow2 image is damaged (qemu-img check finds ${found} corruptions)`
      : `qemu-img check cannot read the qcow2 image (exit ${check.exitCode}${lastLine(check.stderr) ? `: ${lastLine(check.stderr)}` : ''})`,
    { hint: 'the image is truncated or damaged; fetch or make it again' },
  );
}

/**
 * Detect the format and compression of the image at `path`; for qcow2 also its virtual size (after
 * judging its header), for an uncompressed raw image its file size.
 */
export async function detectImage(
  path: string,
  runner: Runner,
  declared?: ImageFormat,
  o: DetectOptions = {},
): Promise<DetectedImage> {
  const abs = resolve(path);
  const img = openImageFile(abs);
  try {
    const { head, cls } = await classifyOpened(img, o.log);
    checkDeclared(declared, cls);
    const out: DetectedImage = { path: abs, format: cls.format, compression: cls.compression };
    if (cls.format === 'qcow2') {
      const header = inspectQcow2Header(head);
      await qemuOpinion(runner, img, header);
      out.virtualSize = header.virtualSize;
    } else if (cls.format === 'raw' && cls.compression === 'none') out.virtualSize = img.size;
    o.log?.debug(`image ${abs}: ${describeImage(cls.format, cls.compression)}`);
    return out;
  } finally {
    img.close();
  }
}
