/**
 * The OS-directory conformance cases D1-D13 of the Ganeti OS API contract (ganeti-os-api.md §9), as
 * data: an OS dir layout and what `gnt-os diagnose` must say about it. All names start `gotest-`.
 */
import { type OsDirSpec, TRUE_SCRIPT, dir, file, link, qaOs, script, validOs } from './ganeti-osdir.js';

export const SEARCH_DIR = '/srv/ganeti/os';

export type Expect =
  /** Valid, and the diagnose line after `status: ` is exactly this (`D` stands for the OS dir). */
  | { valid: true; line: string }
  /** Invalid with exactly this message (or one starting with `prefix`). */
  | { valid: false; message?: string; prefix?: string };

export interface DiagnoseCase {
  id: string;
  name: string;
  /** An OS dir layout, or `plain-file` for a plain file in the search dir. */
  spec: OsDirSpec | 'plain-file';
  expect: Expect;
}

const D = (name: string): string => `${SEARCH_DIR}/${name}`;
const missing = (name: string, f: string): string =>
  `File '${f}' under path '${D(name)}' is missing (ENOENT)`;
const notExec = (name: string, f: string): string => `File '${f}' under path '${D(name)}' is not executable`;
const notFound = (name: string): string => `Directory for OS ${name} not found in search path`;
const valid = (line: string): Expect => ({ valid: true, line });
const invalid = (message: string): Expect => ({ valid: false, message });
const API20 = '[API versions: 20] [variants: default] [parameters: param1] [trusted]';

function c(id: string, name: string, spec: OsDirSpec | 'plain-file', expect: Expect): DiagnoseCase {
  return { id, name, spec, expect };
}

export const QA_OS = 'gotest-TEMP-Ganeti-QA-OS';

export const DIAGNOSE_CASES: DiagnoseCase[] = [
  c('D1', QA_OS, qaOs(), valid('[API versions: 20] [variants: default] [parameters: funny] [trusted]')),
  c(
    'D2',
    'gotest-qa-invalid',
    { ...qaOs(), create: null },
    invalid(`A create script (trusted or untrusted) under path '${D('gotest-qa-invalid')}' must exist`),
  ),
  c(
    'D3',
    'gotest-no-api',
    validOs({ ganeti_api_version: null }),
    invalid(`Required file 'ganeti_api_version' not found under path ${D('gotest-no-api')}: ENOENT`),
  ),
  ...[
    ['gotest-api-blank-line', '20\n\n'],
    ['gotest-api-word', 'x'],
    ['gotest-api-comment', '# c\n20'],
  ].map(([name, text]) =>
    c('D4', name!, validOs({ ganeti_api_version: file(text!) }), {
      valid: false,
      prefix: "API version(s) can't be converted to integer: ",
    }),
  ),
  c('D5', 'gotest-api-5', validOs({ ganeti_api_version: file('5\n') }), {
    valid: false,
    prefix: `API version mismatch for path '${D('gotest-api-5')}': found [5], want `,
  }),
  c(
    'D5',
    'gotest-api-20-25',
    validOs({ ganeti_api_version: file('20\n25\n') }),
    valid('[API versions: 20, 25] [variants: default] [parameters: param1] [trusted]'),
  ),
  ...['parameters.list', 'verify', 'export', 'import', 'rename'].map((f) =>
    c(
      'D6',
      `gotest-no-${f.replace('.', '-')}`,
      validOs({ [f]: null }),
      invalid(missing(`gotest-no-${f.replace('.', '-')}`, f)),
    ),
  ),
  c(
    'D7',
    'gotest-api-15',
    validOs({ ganeti_api_version: file('15\n'), verify: null, 'parameters.list': null }),
    valid('[API versions: 15] [variants: default] [trusted]'),
  ),
  c(
    'D7',
    'gotest-api-10',
    validOs({ ganeti_api_version: file('10\n'), verify: null, 'parameters.list': null }),
    valid('[API versions: 10] [trusted]'),
  ),
  c(
    'D8',
    'gotest-export-0644',
    validOs({ export: script('#!/bin/sh\n', 0o644) }),
    invalid(notExec('gotest-export-0644', 'export')),
  ),
  c('D8', 'gotest-export-0744', validOs({ export: script('#!/bin/sh\n', 0o744) }), valid(API20)),
  c(
    'D8',
    'gotest-export-0011',
    validOs({ export: script('#!/bin/sh\n', 0o011) }),
    invalid(notExec('gotest-export-0011', 'export')),
  ),
  c(
    'D9',
    'gotest-variants-dir',
    validOs({ 'variants.list': dir() }),
    invalid(`File 'variants.list' under path '${D('gotest-variants-dir')}' is not a regular file`),
  ),
  c(
    'D10',
    'gotest-untrusted',
    validOs({ create: null, create_untrusted: TRUE_SCRIPT }),
    valid('[API versions: 20] [variants: default] [parameters: param1] [untrusted]'),
  ),
  c(
    'D11',
    'gotest-variants-filtered',
    validOs({ 'variants.list': file('# c\n\n  a  \nb\n') }),
    valid('[API versions: 20] [variants: a, b] [parameters: param1] [trusted]'),
  ),
  c(
    'D11',
    'gotest-variants-empty',
    validOs({ 'variants.list': file('') }),
    valid('[API versions: 20] [no variants] [parameters: param1] [trusted]'),
  ),
  c('D12', 'gotest-my.os', validOs(), invalid(notFound('gotest-my.os'))),
  c('D12', 'gotest-a+b', validOs(), invalid(notFound('gotest-a+b'))),
  c('D12', 'gotest-plain-file', 'plain-file', invalid(notFound('gotest-plain-file'))),
  c(
    'D13',
    'gotest-broken-create',
    validOs({ create: link('/nonexistent/create'), create_untrusted: TRUE_SCRIPT }),
    valid('[API versions: 20] [variants: default] [parameters: param1] [untrusted]'),
  ),
];

/** Entries that must not show up at all (D12: dot-prefixed names). */
export const HIDDEN_ENTRIES: { name: string; spec: OsDirSpec }[] = [
  { name: '.gotest-hidden', spec: validOs() },
];

/** The full diagnose line (after `status: `) a case must produce. */
export function expectedLine(k: DiagnoseCase): string | undefined {
  if (k.expect.valid) return `valid (path: ${D(k.name)}) ${k.expect.line}`;
  if (k.expect.message)
    return `invalid - ${k.expect.message} (path: ${D(k.name)}) [no API versions declared] [trusted]`;
  return undefined;
}
