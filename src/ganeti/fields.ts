/**
 * Field schemas for Ganeti environment values (valibot). Each returns a parsed value or a problem
 * message; env.ts collects every problem before failing.
 */
import * as v from 'valibot';
import { isIP } from 'node:net';

export const nonNegativeInt = v.pipe(
  v.string(),
  v.regex(/^\d+$/, 'must be a non-negative integer'),
  v.transform(Number),
);

export const mac = v.pipe(
  v.string(),
  v.regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/, 'must be a MAC address like aa:00:00:11:22:33'),
  v.toLowerCase(),
);

export const ipAddress = v.pipe(
  v.string(),
  v.check((s) => isIP(s) !== 0, 'must be an IPv4 or IPv6 address'),
);

export const cidr = v.pipe(
  v.string(),
  v.check((s) => {
    const [addr, len, extra] = s.split('/');
    if (extra !== undefined || addr === undefined || len === undefined || !/^\d+$/.test(len)) return false;
    const fam = isIP(addr);
    return fam !== 0 && Number(len) <= (fam === 4 ? 32 : 128);
  }, 'must be a network in CIDR form like 192.0.2.0/24'),
);

export const access = v.picklist(['rw', 'ro'], 'must be rw or ro');

export const apiVersion = v.pipe(
  v.string(),
  v.transform(Number),
  v.picklist([10, 15, 20] as const, 'must be 10, 15 or 20'),
);

/** Parse one value; returns [value] or [undefined, message]. */
export function check<T>(
  schema: v.GenericSchema<string, T>,
  raw: string,
): { ok: true; value: T } | { ok: false; message: string } {
  const r = v.safeParse(schema, raw);
  if (r.success) return { ok: true, value: r.output };
  return { ok: false, message: r.issues[0]?.message ?? 'is invalid' };
}
