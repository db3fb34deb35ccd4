/**
 * Argument vectors of the guix commands the provider runs (pure). Never a shell string: every
 * value is one argument (`--commit=<value>`), so no value can add an option. Substitutes and
 * grafts are the same for `system build -r` and `system init`, so the GC root pins exactly the
 * system init installs (neither gets --no-grafts).
 */
import { OsError } from 'ganeti-os/sdk';

export interface GuixRevision {
  commit?: string;
  branch?: string;
  repoUri?: string;
  /** Passed with time-machine; alone it does not switch to time-machine (as the peer's provider). */
  disableAuthentication: boolean;
}

export interface GuixCommandOptions {
  /** The guix executable. */
  guix: string;
  revision: GuixRevision;
  system?: string;
  target?: string;
  /** Substitute servers; [] = --no-substitutes; absent = guix's own default. */
  substituteUrls?: string[];
}

/** The revision travels (time-machine) when it names a commit, a branch or a repository. */
export function travels(r: GuixRevision): boolean {
  return Boolean(r.commit || r.branch || r.repoUri);
}

function substituteArgs(o: GuixCommandOptions): string[] {
  if (o.substituteUrls === undefined) return [];
  if (o.substituteUrls.length === 0) return ['--no-substitutes'];
  return [`--substitute-urls=${o.substituteUrls.join(' ')}`];
}

/**
 * `[guix]`, or `[guix, 'time-machine', --url/--commit/--branch, --disable-authentication,
 * substitute options, '--']` when the revision travels (time-machine builds that guix with the same
 * substitute settings).
 */
export function guixPrefix(o: GuixCommandOptions): string[] {
  const r = o.revision;
  if (!travels(r)) return [o.guix];
  return [
    o.guix,
    'time-machine',
    ...(r.repoUri ? [`--url=${r.repoUri}`] : []),
    ...(r.commit ? [`--commit=${r.commit}`] : []),
    ...(r.branch ? [`--branch=${r.branch}`] : []),
    ...(r.disableAuthentication ? ['--disable-authentication'] : []),
    ...substituteArgs(o),
    '--',
  ];
}

function absolute(path: string, what: string): string {
  if (!path.startsWith('/')) {
    throw new OsError('E_INTERNAL', `${what} ${JSON.stringify(path)} is not an absolute path`, {
      hint: 'this is a bug in the guix provider: it passes absolute paths to guix',
    });
  }
  return path;
}

function systemArgs(o: GuixCommandOptions): string[] {
  return [
    ...(o.system ? [`--system=${o.system}`] : []),
    ...(o.target ? [`--target=${o.target}`] : []),
    ...substituteArgs(o),
  ];
}

/** `... system build [--system=] [--target=] [substitutes] --root=<gcRoot> <config>`: build and pin. */
export function systemBuildArgv(o: GuixCommandOptions, config: string, gcRoot: string): string[] {
  return [
    ...guixPrefix(o),
    'system',
    'build',
    ...systemArgs(o),
    `--root=${absolute(gcRoot, 'GC root')}`,
    absolute(config, 'configuration'),
  ];
}

/** `... system build -d <config>`: evaluation only; prints the system derivation, builds nothing. */
export function systemDeriveArgv(o: GuixCommandOptions, config: string): string[] {
  return [...guixPrefix(o), 'system', 'build', '-d', ...systemArgs(o), absolute(config, 'configuration')];
}

/**
 * `... system init [--skip-checks] <config> <target>`: install into the mounted target.
 * skipChecks is for sandboxes where guix may not open the host's disks.
 */
export function systemInitArgv(
  o: GuixCommandOptions,
  config: string,
  target: string,
  extra: { skipChecks?: boolean } = {},
): string[] {
  return [
    ...guixPrefix(o),
    'system',
    'init',
    ...systemArgs(o),
    ...(extra.skipChecks ? ['--skip-checks'] : []),
    absolute(config, 'configuration'),
    absolute(target, 'target'),
  ];
}

/** `guix build --list-systems` / `--list-targets` (the installed guix: the check needs no channel). */
export function listArgv(guix: string, what: 'systems' | 'targets'): string[] {
  return [guix, 'build', `--list-${what}`];
}

export { describeGuixFailure } from './failure.js';
