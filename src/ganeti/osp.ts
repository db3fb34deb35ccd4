/**
 * OS parameters in Ganeti's environment: parameter `dns-server` arrives as `OSP_DNS_SERVER`
 * (upper case, dash to underscore; the dash rule is undocumented but is what Ganeti's code does).
 * Typed environments key parameter values by the part after `OSP_` (`DNS_SERVER`).
 * No imports: the script entry's fast `verify` path uses this.
 */

const PREFIX = 'OSP_';

/** The key of a parameter's value in `OsInfo.params`: `dns-server` -> `DNS_SERVER`. */
export function ospKey(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

/** The non-empty OSP_* values of an environment, keyed by ospKey (an empty value means absent). */
export function ospParams(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith(PREFIX) && v) out[k.slice(PREFIX.length)] = v;
  return out;
}

/** The OSP_* variables for values keyed by ospKey (the inverse of ospParams). */
export function ospVariables(params: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) out[PREFIX + k] = v;
  return out;
}
