/**
 * Output of `variants list` and `variants show`, as text for people and as JSON for tools. These
 * go to stdout (the CLI prints them); they are not log lines.
 */
import type { VariantSummary } from './list.js';
import { showProvenance, type ResolvedVariant } from './resolve.js';
import { showValue, type VariantSchema } from './schema.js';

export function formatVariantList(
  variants: readonly VariantSummary[],
  opts: { json?: boolean; all?: boolean } = {},
): string {
  const shown = opts.all ? variants : variants.filter((v) => v.published);
  if (opts.json) return JSON.stringify(shown, null, 2) + '\n';
  if (shown.length === 0) return '';
  const width = Math.max(...shown.map((v) => v.name.length));
  return (
    shown
      .map((v) => {
        const flags = [v.isDefault ? 'default' : '', v.published ? '' : 'unpublished', v.source]
          .filter(Boolean)
          .join(', ');
        const desc = v.error ? `ERROR: ${v.error}` : v.description;
        return `${v.name.padEnd(width)}  (${flags})${desc ? `  ${desc}` : ''}`;
      })
      .join('\n') + '\n'
  );
}

export function formatVariantShow(
  resolved: ResolvedVariant,
  schema: VariantSchema,
  opts: { json?: boolean } = {},
): string {
  if (opts.json) {
    return (
      JSON.stringify(
        {
          os: resolved.os,
          name: resolved.name,
          source: resolved.source,
          files: resolved.files,
          values: resolved.values,
          provenance: resolved.provenance,
        },
        null,
        2,
      ) + '\n'
    );
  }
  const lines = [
    `${resolved.os}+${resolved.name}  (${resolved.source})`,
    `files: ${resolved.files.join(', ') || '(none)'}`,
  ];
  const width = Math.max(...schema.keys.map((k) => k.name.length));
  for (const k of schema.keys) {
    const v = resolved.values[k.name];
    if (v === undefined) continue;
    const p = resolved.provenance[k.name] ?? 'default';
    lines.push(`  ${k.name.padEnd(width)}  ${showValue(v)}  [${showProvenance(p)}]`);
  }
  return lines.join('\n') + '\n';
}
