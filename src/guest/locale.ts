/**
 * Locale and time zone. /etc/default/locale gets LANG, /etc/locale.gen gets the locale's line
 * uncommented (or appended); compiling it (locale-gen in the guest) is a separate step. The time
 * zone is the /etc/localtime symlink plus /etc/timezone.
 */
import { OsError } from '../runtime/errors.js';
import type { GuestEntry } from './types.js';

export interface LocaleOptions {
  /** e.g. en_US.UTF-8 */
  locale: string;
}

/** "en_US.UTF-8" -> "en_US.UTF-8 UTF-8"; "de_DE" -> "de_DE ISO-8859-1"; "C.UTF-8" stays builtin. */
export function localeGenLine(locale: string): string {
  const m = /^([a-zA-Z]{2,3}_[A-Z]{2})(?:\.([A-Za-z0-9-]+))?(@[a-z]+)?$/.exec(locale);
  if (!m)
    throw new OsError('E_GUEST_LOCALE', `locale ${JSON.stringify(locale)} is not valid`, {
      hint: 'e.g. en_US.UTF-8',
    });
  const charset = m[2] ?? 'ISO-8859-1';
  return `${locale} ${charset.toUpperCase() === 'UTF-8' || charset.toLowerCase() === 'utf8' ? 'UTF-8' : charset}`;
}

/** Uncomment the line in locale.gen or append it; null when already enabled. */
export function enableInLocaleGen(current: string | undefined, line: string): string | null {
  const text = current ?? '';
  const lines = text.split('\n');
  const norm = (l: string): string => l.trim().replace(/\s+/g, ' ');
  if (lines.some((l) => norm(l) === line)) return null;
  const idx = lines.findIndex((l) => norm(l.replace(/^\s*#\s*/, '')) === line);
  if (idx >= 0) {
    lines[idx] = line;
    return lines.join('\n');
  }
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`;
}

export function planLocale(opts: LocaleOptions): GuestEntry[] {
  const builtin = /^(C|POSIX|C\.UTF-8|C\.utf8)$/.test(opts.locale);
  const entries: GuestEntry[] = [
    { kind: 'file', path: '/etc/default/locale', content: `LANG=${opts.locale}\n`, mode: 0o644 },
  ];
  if (!builtin) {
    const line = localeGenLine(opts.locale);
    entries.push({
      kind: 'edit',
      path: '/etc/locale.gen',
      mode: 0o644,
      apply: (c) => enableInLocaleGen(c, line),
    });
  }
  return entries;
}

const TZ = /^(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+){0,2}$/;

export function planTimezone(zone: string): GuestEntry[] {
  if (!TZ.test(zone))
    throw new OsError('E_GUEST_TIMEZONE', `time zone ${JSON.stringify(zone)} is not valid`, {
      hint: 'e.g. Etc/UTC or Europe/Berlin',
    });
  return [
    { kind: 'symlink', path: '/etc/localtime', target: `../usr/share/zoneinfo/${zone}` },
    { kind: 'file', path: '/etc/timezone', content: `${zone}\n`, mode: 0o644 },
  ];
}
