/**
 * /etc/fstab from typed entries. Fields with blanks are escaped as fstab(5) wants (\040 etc.).
 */
import { OsError } from '../runtime/errors.js';
import { MANAGED_HEADER, compileTemplate } from './template.js';
import type { GuestFile } from './types.js';

export interface FstabEntry {
  /** UUID=..., PARTUUID=..., LABEL=..., /dev/... */
  spec: string;
  /** '/' or '/boot' or 'none' (swap). */
  mountpoint: string;
  type: string;
  options?: string;
  dump?: number;
  pass?: number;
}

/** fstab(5) octal escapes for blanks, backslash and '#'. */
export function fstabEscape(field: string): string {
  return field.replace(/[\\ \t\n#]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

const fstabTemplate = compileTemplate<{ header: string; rows: string[] }>(
  `{{header}}
# <file system>	<mount point>	<type>	<options>	<dump>	<pass>
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
  return fstabTemplate({ header: MANAGED_HEADER, rows });
}

export function planFstab(entries: readonly FstabEntry[]): GuestFile[] {
  return [{ kind: 'file', path: '/etc/fstab', content: renderFstab(entries), mode: 0o644 }];
}
