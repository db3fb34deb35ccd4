/**
 * Handlebars for text configuration files, always with noEscape (configs are not HTML) and strict
 * (a missing variable is an error, not an empty string). A private Handlebars environment with three
 * helpers: shq (POSIX single quoting), join, indent. Never used for YAML or JSON.
 */
import Handlebars from 'handlebars';

const hb = Handlebars.create();

function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

hb.registerHelper('shq', (v: unknown) => shq(String(v)));
hb.registerHelper('join', (list: unknown, sep: unknown) =>
  Array.isArray(list) ? list.map(String).join(typeof sep === 'string' ? sep : ' ') : '',
);
hb.registerHelper('indent', (text: unknown, n: unknown) => {
  const pad = ' '.repeat(typeof n === 'number' ? n : 4);
  return String(text)
    .split('\n')
    .map((l) => (l ? pad + l : l))
    .join('\n');
});

export type Template<T> = (data: T) => string;

/** Compile once (at module load) and render many times. */
export function compileTemplate<T>(source: string): Template<T> {
  const fn = hb.compile<T>(source, { noEscape: true, strict: true });
  return (data: T) => fn(data);
}

/** The header line of every file we generate. */
export const MANAGED_HEADER = '# Written by ganeti-os when this instance was installed.';
