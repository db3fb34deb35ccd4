/**
 * `qemu-img info -f qcow2 --output=json` as data (pure): the second opinion on a qcow2 image whose
 * header we already accepted. qemu-img must agree on the format and the virtual size and must show
 * no backing file, data file or encryption either.
 */
import { OsError } from '../runtime/errors.js';
import type { Qcow2Info } from './types.js';

interface QemuInfoJson {
  format?: unknown;
  'virtual-size'?: unknown;
  'backing-filename'?: unknown;
  'full-backing-filename'?: unknown;
  'backing-filename-format'?: unknown;
  encrypted?: unknown;
  'format-specific'?: { data?: Record<string, unknown> };
}

function disagree(what: string): OsError {
  return new OsError('E_IMAGE_UNSAFE', `qemu-img info ${what}; refusing the image`, {
    hint: 'use a self-contained qcow2 image made with qemu-img convert -O qcow2',
  });
}

/** Check qemu-img's view of the image against the header we inspected; throws on any difference. */
export function checkQemuInfo(text: string, header: Qcow2Info): void {
  let info: QemuInfoJson;
  try {
    info = JSON.parse(text) as QemuInfoJson;
  } catch {
    throw new OsError('E_IMAGE_QCOW2', 'qemu-img info printed something that is not JSON', {
      hint: 'check the qemu-utils installation',
    });
  }
  if (info.format !== 'qcow2') throw disagree(`reads the image as ${String(info.format)}, not qcow2`);
  if (info['virtual-size'] !== header.virtualSize)
    throw disagree(
      `shows a virtual size of ${String(info['virtual-size'])} bytes, the header ${header.virtualSize}`,
    );
  for (const key of ['backing-filename', 'full-backing-filename', 'backing-filename-format'] as const)
    if (info[key] !== undefined) throw disagree(`shows a backing file (${key})`);
  if (info.encrypted === true) throw disagree('shows an encrypted image');
  const data = info['format-specific']?.data ?? {};
  if (data['data-file'] !== undefined) throw disagree('shows an external data file');
  if (data.encrypt !== undefined) throw disagree('shows encryption');
}
