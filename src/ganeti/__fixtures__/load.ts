import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Load a captured Ganeti environment (`env | sort` output) as a record. */
export function loadEnv(name: string, extra: Record<string, string> = {}): Record<string, string> {
  const text = readFileSync(join(import.meta.dirname, name), 'utf8');
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
  }
  return { ...env, ...extra };
}
