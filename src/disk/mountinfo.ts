/**
 * /proc/self/mountinfo parsing: what is mounted where, and whether anything is mounted at or below a
 * directory (the check before any recursive delete).
 */
import { readFileSync } from 'node:fs';

export interface MountInfo {
  mountPoint: string;
  root: string;
  fsType: string;
  source: string;
  options: string;
  majorMinor: string;
  /** Optional fields: propagation (`shared:N`, `master:N`, ...). */
  optional: string;
}

/** Undo the octal escapes (\040 for space etc.) used in mountinfo fields. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseMountInfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const f = left.split(' ');
    const r = right.split(' ');
    out.push({
      majorMinor: f[2] ?? '',
      root: unescape(f[3] ?? ''),
      mountPoint: unescape(f[4] ?? ''),
      options: f[5] ?? '',
      optional: f.slice(6).join(' '),
      fsType: r[0] ?? '',
      source: unescape(r[1] ?? ''),
    });
  }
  return out;
}

export function readMounts(): MountInfo[] {
  return parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'));
}

/** Mount points at or below `dir`, deepest first. */
export function mountsBelow(dir: string, mounts: MountInfo[] = readMounts()): string[] {
  const base = dir.replace(/\/+$/, '');
  const hits = mounts.map((m) => m.mountPoint).filter((p) => p === base || p.startsWith(base + '/'));
  return [...new Set(hits)].sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
}

export function isMountPoint(dir: string, mounts: MountInfo[] = readMounts()): boolean {
  const base = dir.replace(/\/+$/, '');
  return mounts.some((m) => m.mountPoint === base);
}
