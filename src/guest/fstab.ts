/**
 * /etc/fstab from typed entries (src/disk/fstab.ts plans them from the partitions). Fields with
 * blanks are escaped as fstab(5) wants (\040 etc.).
 */
import type { FstabEntry } from '../disk/fstab.js';
import { OsError } from '../runtime/errors.js';
import { MANAGED_HEADER, compileTemplate } from './template.js';
import type { GuestFile } from './types.js';

/** fstab(5) octal escapes for blanks, backslash and '#'. */
export function fstabEscape(field: string): string {
  return field.replace(/[\\ \t\n#]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

function fstabUnescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

const COLUMNS = '# <file system>\t<mount point>\t<type>\t<options>\t<dump>\t<pass>';

const fstabTemplate = compileTemplate<{ header: string; columns: string; rows: string[] }>(
  `{{header}}
{{columns}}
{{#each rows}}
{{this}}
{{/each}}`,
);

export function renderFstab(entries: readonly FstabEntry[]): string {
  const rows = entries.map((e) => {
    if (!e.spec || !e.mountpoint || !e.type)
      throw new OsError('E_INTERNAL', `incomplete fstab entry ${JSON.stringify(e)}`);
    if (e.mountpoint !== 'none' && !e.mountpoint.startsWith('/')) {
      throw new OsError('E_FSTAB', `fstab mount point ${JSON.stringify(e.mountpoint)} is not absolute`);
    }
    const pass = e.pass ?? (e.mountpoint === '/' ? 1 : e.type === 'swap' ? 0 : 2);
    return [e.spec, e.mountpoint, e.type, e.options || 'defaults', String(e.dump ?? 0), String(pass)]
      .map(fstabEscape)
      .join('\t');
  });
  return fstabTemplate({ header: MANAGED_HEADER, columns: COLUMNS, rows });
}

export function planFstab(entries: readonly FstabEntry[]): GuestFile[] {
  return [{ kind: 'file', path: '/etc/fstab', content: renderFstab(entries), mode: 0o644 }];
}

/** The mount points a disk layout owns: their lines are replaced, never kept. */
const LAYOUT_MOUNTPOINTS = new Set(['/', '/boot', '/boot/efi', 'none', 'swap']);

/** Whether a line of an existing fstab stays as the guest had it. */
function keepsLine(line: string): boolean {
  const t = line.trim();
  if (t === MANAGED_HEADER || t === COLUMNS) return false; // renderFstab writes them again
  if (t === '' || t.startsWith('#')) return true;
  const [, mountpoint, type] = t.split(/\s+/);
  if (type === 'swap') return false;
  return !LAYOUT_MOUNTPOINTS.has(fstabUnescape(mountpoint ?? ''));
}

/**
 * After disk 0's filesystems were made anew (an import): the layout's lines (/, /boot, /boot/efi,
 * swap) become `entries`, and every other line (data disks, tmpfs, binds, comments) stays as the
 * guest had it, after them. Pure.
 */
export function mergeFstab(old: string, entries: readonly FstabEntry[]): string {
  const kept = old.split('\n').filter(keepsLine);
  while (kept.length > 0 && kept[0]!.trim() === '') kept.shift();
  while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') kept.pop();
  const fresh = renderFstab(entries);
  return kept.length === 0 ? fresh : fresh + kept.join('\n') + '\n';
}
