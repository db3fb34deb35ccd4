/**
 * APT sources for the configured mirror, suite and components. trixie and later get a deb822
 * /etc/apt/sources.list.d/debian.sources (and the one-line sources.list debootstrap wrote is
 * removed); older suites get a one-line /etc/apt/sources.list. Released (stable) suites on
 * deb.debian.org also get their -updates and security entries.
 */
import { OsError } from '../../runtime/errors.js';
import { MANAGED_HEADER, compileTemplate } from '../template.js';
import type { GuestEntry } from '../types.js';

/** Debian codenames in release order. */
const CODENAMES = [
  'buzz',
  'rex',
  'bo',
  'hamm',
  'slink',
  'potato',
  'woody',
  'sarge',
  'etch',
  'lenny',
  'squeeze',
  'wheezy',
  'jessie',
  'stretch',
  'buster',
  'bullseye',
  'bookworm',
  'trixie',
  'forky',
  'duke',
] as const;
/** The newest released suite; later codenames are testing. Update when a release happens. */
const NEWEST_RELEASED = 'trixie';
const ALIASES: Record<string, string> = { oldoldstable: 'bullseye', oldstable: 'bookworm', stable: 'trixie' };
const DEVELOPMENT = new Set(['testing', 'unstable', 'sid', 'experimental', 'rc-buggy']);

export interface AptOptions {
  /** e.g. http://deb.debian.org/debian */
  mirror: string;
  suite: string;
  components: readonly string[];
  /** Override the format choice (default: deb822 for trixie and later, and for unknown suites). */
  format?: 'deb822' | 'one-line';
  /** Add security and -updates entries; default: for released suites when the mirror is deb.debian.org. */
  stableUpdates?: boolean;
  /** Keyring for Signed-By in deb822; default the Debian archive keyring. */
  signedBy?: string;
}

function rank(suite: string): number | undefined {
  const s = ALIASES[suite] ?? suite;
  const i = (CODENAMES as readonly string[]).indexOf(s);
  return i < 0 ? undefined : i;
}

/** deb822 for trixie and later (including testing/unstable and names we do not know). */
export function usesDeb822(suite: string): boolean {
  const r = rank(suite);
  return r === undefined || r >= CODENAMES.indexOf('trixie');
}

export function isReleasedSuite(suite: string): boolean {
  if (DEVELOPMENT.has(suite)) return false;
  const r = rank(suite);
  return r !== undefined && r <= CODENAMES.indexOf(NEWEST_RELEASED);
}

function validate(opts: AptOptions): URL {
  let url: URL;
  try {
    url = new URL(opts.mirror);
  } catch {
    throw new OsError('E_APT_MIRROR', `mirror ${JSON.stringify(opts.mirror)} is not a URL`, {
      hint: 'e.g. http://deb.debian.org/debian',
    });
  }
  if (!/^[a-z0-9][a-z0-9.+-]*$/i.test(opts.suite))
    throw new OsError('E_APT_SUITE', `suite ${JSON.stringify(opts.suite)} is not valid`);
  if (opts.components.length === 0 || opts.components.some((c) => !/^[a-z0-9][a-z0-9./+-]*$/i.test(c))) {
    throw new OsError('E_APT_COMPONENTS', `components ${JSON.stringify(opts.components)} are not valid`, {
      hint: 'e.g. main contrib non-free-firmware',
    });
  }
  return url;
}

interface Source {
  uri: string;
  suites: string[];
}

/** The repositories to list, in order. */
export function aptSources(opts: AptOptions): Source[] {
  const url = validate(opts);
  const mirror = opts.mirror.replace(/\/+$/, '');
  const stable = opts.stableUpdates ?? (url.hostname === 'deb.debian.org' && isReleasedSuite(opts.suite));
  if (!stable) return [{ uri: mirror, suites: [opts.suite] }];
  const codename = ALIASES[opts.suite] ?? opts.suite;
  const oldSecurity = (rank(codename) ?? Infinity) <= CODENAMES.indexOf('buster');
  const securityUri = `${url.protocol}//${url.hostname === 'deb.debian.org' ? 'deb.debian.org' : 'security.debian.org'}/debian-security`;
  return [
    { uri: mirror, suites: [opts.suite, `${opts.suite}-updates`] },
    { uri: securityUri, suites: [oldSecurity ? `${opts.suite}/updates` : `${opts.suite}-security`] },
  ];
}

const deb822Template = compileTemplate<{
  header: string;
  sources: Source[];
  components: string;
  signedBy: string;
}>(
  `{{header}}
{{#each sources}}

Types: deb
URIs: {{uri}}
Suites: {{join suites " "}}
Components: {{@root.components}}
Signed-By: {{@root.signedBy}}
{{/each}}
`,
);

const oneLineTemplate = compileTemplate<{ header: string; lines: string[] }>(
  `{{header}}
{{#each lines}}
{{this}}
{{/each}}
`,
);

export function planAptSources(opts: AptOptions): GuestEntry[] {
  const sources = aptSources(opts);
  const components = opts.components.join(' ');
  const format = opts.format ?? (usesDeb822(opts.suite) ? 'deb822' : 'one-line');
  if (format === 'deb822') {
    const content = deb822Template({
      header: MANAGED_HEADER,
      sources,
      components,
      signedBy: opts.signedBy ?? '/usr/share/keyrings/debian-archive-keyring.gpg',
    });
    return [
      { kind: 'file', path: '/etc/apt/sources.list.d/debian.sources', content, mode: 0o644 },
      { kind: 'remove', path: '/etc/apt/sources.list' },
    ];
  }
  const lines = sources.flatMap((s) => s.suites.map((suite) => `deb ${s.uri} ${suite} ${components}`));
  return [
    {
      kind: 'file',
      path: '/etc/apt/sources.list',
      content: oneLineTemplate({ header: MANAGED_HEADER, lines }),
      mode: 0o644,
    },
    { kind: 'remove', path: '/etc/apt/sources.list.d/debian.sources' },
  ];
}
