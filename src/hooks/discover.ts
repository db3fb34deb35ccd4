/**
 * Finding hooks. Rules (documented in hooks/README.md):
 *  - run-parts naming: a hook's name matches ^[A-Za-z0-9_-]+$; names run-parts would skip
 *    (`grub.sh`, `foo~`, `x.dpkg-old`) are reported as warnings naming them, never silently dropped.
 *    Dotfiles (`.gitkeep`) and directories that are not phases (`confdata/`) are ignored.
 *  - a hook that is not executable is an error (run-parts would skip it silently).
 *  - phases: a subdirectory named after the phase (`<dir>/post-populate/10-apt`), or a name
 *    prefix `<phase>_` in the flat directory (`post-populate_10-apt`); any other file of the flat
 *    directory runs at `post-config` (where instance-debootstrap ran CUSTOMIZE_DIR). The phase
 *    names are the same for every provider; `post-bootstrap` (the debootstrap provider's first
 *    name for `post-populate`) is an alias, so existing hook directories keep working.
 *  - order within a phase: provider-wide hooks first, then the variant's; within one directory, by
 *    name (prefix removed) in C-locale byte order. Explicitly listed files run in list order.
 */
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { OsError, OsErrors } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';

export const PHASES = ['post-populate', 'post-config', 'pre-unmount'] as const;
export type Phase = (typeof PHASES)[number];
export const DEFAULT_PHASE: Phase = 'post-config';
/** Older names of phases, accepted as directory names and name prefixes. */
export const PHASE_ALIASES: Readonly<Record<string, Phase>> = { 'post-bootstrap': 'post-populate' };

/** The phase a directory name or name prefix stands for, aliases included. */
export function phaseNamed(name: string): Phase | undefined {
  return (PHASES as readonly string[]).includes(name) ? (name as Phase) : PHASE_ALIASES[name];
}

const RUN_PARTS_NAME = /^[A-Za-z0-9_-]+$/;

export interface Hook {
  /** File name (with the phase prefix, if any). */
  name: string;
  path: string;
  /** The directory the hook belongs to (its cwd and HOOKS_DIR). */
  dir: string;
  phase: Phase;
  source: 'provider' | 'variant';
}

export interface HookPlan {
  phases: Record<Phase, Hook[]>;
  warnings: string[];
}

export interface DiscoverOptions {
  /** The variant's `hooks`: directories and/or files. */
  variantHooks?: readonly string[];
  /** The provider-wide directory (/etc/ganeti/instance-<os>/hooks). */
  providerHooksDir?: string;
  /** Run the provider-wide directory too (variant key `provider-hooks`). */
  useProviderHooks?: boolean;
  /** Warnings are also logged here as they are found. */
  log?: Logger;
}

function cCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The phase a flat-directory name selects by prefix, and the name used for ordering. */
export function phaseOfName(name: string): { phase: Phase; sortName: string } {
  for (const p of [...PHASES, ...Object.keys(PHASE_ALIASES)]) {
    if (name.startsWith(`${p}_`) && name.length > p.length + 1)
      return { phase: phaseNamed(p)!, sortName: name.slice(p.length + 1) };
  }
  return { phase: DEFAULT_PHASE, sortName: name };
}

function emptyPlan(): HookPlan {
  return { phases: { 'post-populate': [], 'post-config': [], 'pre-unmount': [] }, warnings: [] };
}

interface Found {
  hook: Hook;
  sortName: string;
}

async function statOrUndefined(p: string) {
  try {
    return await stat(p);
  } catch {
    return undefined;
  }
}

/** A script must start with #! (run-parts execs hooks directly; there is no shell fallback). */
async function lacksInterpreter(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    const head = buf.subarray(0, bytesRead);
    return !(head.subarray(0, 2).toString('latin1') === '#!' || head.toString('latin1') === '\x7fELF');
  } finally {
    await fh.close();
  }
}

function noInterpreter(file: string): OsError {
  return new OsError('E_HOOK_NOT_EXECUTABLE', `hook ${file} has no #! line (and is not an ELF binary)`, {
    hint: `start ${file} with a line such as #!/bin/bash`,
  });
}

function notExecutable(file: string): OsError {
  return new OsError('E_HOOK_NOT_EXECUTABLE', `hook ${file} is not executable`, {
    hint: `chmod +x ${file}, or move it out of the hooks directory`,
  });
}

/** Scan one directory level; `phase` is fixed for a phase subdirectory. */
async function scanDir(
  dir: string,
  source: Hook['source'],
  phase: Phase | undefined,
  warnings: string[],
  problems: OsError[],
): Promise<Found[]> {
  const found: Found[] = [];
  const names = (await readdir(dir)).sort(cCompare);
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const full = path.join(dir, name);
    const st = await statOrUndefined(full);
    if (!st) {
      warnings.push(`hook ${full} is a broken symlink; not run`);
      continue;
    }
    if (st.isDirectory()) {
      const named = phase === undefined ? phaseNamed(name) : undefined;
      if (named) {
        found.push(...(await scanDir(full, source, named, warnings, problems)));
      } else if (/^(pre|post)[-_]/.test(name)) {
        warnings.push(
          `directory ${full} is not a hook phase (phases: ${PHASES.join(', ')}); its files are not run`,
        );
      }
      continue;
    }
    if (!RUN_PARTS_NAME.test(name)) {
      const suggestion = name.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_-]/g, '-');
      warnings.push(
        `hook ${full} is not run: its name has characters outside [A-Za-z0-9_-] (run-parts rules)` +
          (RUN_PARTS_NAME.test(suggestion) ? `; rename it to ${suggestion} to run it` : ''),
      );
      continue;
    }
    if (!st.isFile()) {
      warnings.push(`hook ${full} is not a regular file; not run`);
      continue;
    }
    if ((st.mode & 0o111) === 0) {
      problems.push(notExecutable(full));
      continue;
    }
    if (await lacksInterpreter(full)) {
      problems.push(noInterpreter(full));
      continue;
    }
    const byName = phase === undefined ? phaseOfName(name) : { phase, sortName: name };
    found.push({
      hook: {
        name,
        path: full,
        dir: phase === undefined ? dir : path.dirname(dir),
        phase: byName.phase,
        source,
      },
      sortName: byName.sortName,
    });
  }
  return found;
}

function sortFound(found: Found[]): Found[] {
  return found.sort((a, b) => cCompare(a.sortName, b.sortName) || cCompare(a.hook.path, b.hook.path));
}

/** Build the hook plan. Throws OsError(s) for hooks that exist but cannot run (not executable, missing). */
export async function discoverHooks(opts: DiscoverOptions): Promise<HookPlan> {
  const plan = emptyPlan();
  const problems: OsError[] = [];
  const seenDirs = new Set<string>();
  const add = (list: Found[]) => {
    for (const f of list) plan.phases[f.hook.phase].push(f.hook);
  };

  if (opts.useProviderHooks !== false && opts.providerHooksDir) {
    const st = await statOrUndefined(opts.providerHooksDir);
    if (st?.isDirectory()) {
      seenDirs.add(path.resolve(opts.providerHooksDir));
      add(sortFound(await scanDir(opts.providerHooksDir, 'provider', undefined, plan.warnings, problems)));
    }
  }

  for (const entry of opts.variantHooks ?? []) {
    const st = await statOrUndefined(entry);
    if (!st) {
      problems.push(
        new OsError('E_HOOK_MISSING', `hooks path ${entry} does not exist`, {
          hint: 'fix the variant\'s "hooks" key or create the directory',
        }),
      );
      continue;
    }
    if (st.isDirectory()) {
      const resolved = path.resolve(entry);
      if (seenDirs.has(resolved)) {
        plan.warnings.push(
          `hooks directory ${entry} is listed twice (or is also the provider-wide directory); run once`,
        );
        continue;
      }
      seenDirs.add(resolved);
      add(sortFound(await scanDir(entry, 'variant', undefined, plan.warnings, problems)));
      continue;
    }
    if (!st.isFile()) {
      plan.warnings.push(`hook ${entry} is not a regular file; not run`);
      continue;
    }
    if ((st.mode & 0o111) === 0) {
      problems.push(notExecutable(entry));
      continue;
    }
    if (await lacksInterpreter(entry)) {
      problems.push(noInterpreter(entry));
      continue;
    }
    const name = path.basename(entry);
    plan.phases[phaseOfName(name).phase].push({
      name,
      path: entry,
      dir: path.dirname(entry),
      phase: phaseOfName(name).phase,
      source: 'variant',
    });
  }

  for (const w of plan.warnings) opts.log?.warn(w);
  if (problems.length === 1) throw problems[0]!;
  if (problems.length > 1) throw new OsErrors(problems);
  return plan;
}

/** Every hook of the plan, in phase order (for `--dry-run` listings). */
export function planHooks(plan: HookPlan): Hook[] {
  return PHASES.flatMap((p) => plan.phases[p]);
}
