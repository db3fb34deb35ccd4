/**
 * Hand-made Ganeti OS directories for conformance tests, valid or broken on purpose. A spec maps
 * entry names to contents; anything Ganeti's `_TryOSFromDisk` distinguishes can be expressed: plain
 * files with a mode, executable scripts, symlinks (also broken ones) and directories.
 */
import { chmod, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type OsEntry =
  { kind: 'file'; text: string; mode?: number } | { kind: 'symlink'; target: string } | { kind: 'dir' };

/** Entry name -> content; `null` leaves the entry out (handy for "X without Y" cases). */
export type OsDirSpec = Record<string, OsEntry | null>;

export const SCRIPTS = ['create', 'export', 'import', 'rename', 'verify'] as const;

export const file = (text: string, mode = 0o644): OsEntry => ({ kind: 'file', text, mode });
export const script = (body: string, mode = 0o755): OsEntry => ({ kind: 'file', text: body, mode });
export const link = (target: string): OsEntry => ({ kind: 'symlink', target });
export const dir = (): OsEntry => ({ kind: 'dir' });

/** A script that does nothing and succeeds. */
export const TRUE_SCRIPT = script('#!/bin/sh\nexit 0\n');

/** A complete, valid API-20 OS dir: every script a no-op, one variant, one parameter. */
export function validOs(overrides: OsDirSpec = {}): OsDirSpec {
  const scripts = Object.fromEntries(SCRIPTS.map((s) => [s, TRUE_SCRIPT]));
  return {
    ganeti_api_version: file('20\n'),
    ...scripts,
    'variants.list': file('default\n'),
    'parameters.list': file('param1 The only parameter\n'),
    ...overrides,
  };
}

/** Ganeti QA's valid temporary OS (qa/qa_os.py `_SetupTempOs`): scripts are symlinks to /bin/true. */
export function qaOs(): OsDirSpec {
  return {
    ...Object.fromEntries(SCRIPTS.map((s) => [s, link('/bin/true')])),
    ganeti_api_version: file('20\n'),
    'variants.list': file('default\n'),
    'parameters.list': file('funny this is funny\n'),
  };
}

/** Writes `spec` as `<base>/<name>`, replacing whatever was there. */
export async function writeOsDir(base: string, name: string, spec: OsDirSpec): Promise<string> {
  const root = join(base, name);
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true, mode: 0o755 });
  for (const [entry, content] of Object.entries(spec)) {
    if (!content) continue;
    const p = join(root, entry);
    if (content.kind === 'dir') await mkdir(p);
    else if (content.kind === 'symlink') await symlink(content.target, p);
    else {
      await writeFile(p, content.text);
      await chmod(p, content.mode ?? 0o644);
    }
  }
  return root;
}
