/**
 * What one guix run does, from the variant and the OS parameters (pure): the variant with the
 * parameters over it, the options of every guix command (revision, system, target, substitutes),
 * disk 0's layout (gpt with a BIOS boot partition and an ESP, the root ending at part_size), the
 * GC root of the instance and the environment guix runs in (a clean one: no OSP_* value, so a
 * private parameter never reaches guix or its logs).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { OsError } from 'ganeti-os/sdk';
import type { LayoutConfig } from 'ganeti-os/sdk/linux';
import type { GuixCommandOptions } from './argv.js';
import { INSTANCE_DATA_ENV, LIBRARY_ENV } from './instance-data.js';
import type { GuixVariant } from './schema.js';

/** The OS parameters as the operations see them (index.ts declares them). */
export interface GuixParams {
  commit?: string | undefined;
  branch?: string | undefined;
  repo_uri?: string | undefined;
  disable_authentication?: boolean | string | undefined;
  system?: string | undefined;
  target?: string | undefined;
  filesystem?: string | undefined;
  layout?: string | undefined;
  /** MiB (a size parameter) or a size text such as 20G. */
  part_size?: number | string | undefined;
  /** MiB, or `no`/`none`/`0`: no swap. */
  swap?: number | string | boolean | undefined;
  /** Private: never logged, never in an argument vector or guix's environment. */
  luks_passphrase?: string | undefined;
  'ssh-authorized-keys'?: string | string[] | undefined;
  'ssh-key'?: string | undefined;
  timezone?: string | undefined;
  'dns-nameservers'?: string[] | undefined;
}

/** The btrfs subvolumes of the btrfs-subvolumes layout. */
export const SUBVOLUMES = { root: '@', home: '@home' } as const;

const SIZE = /^(\d+)\s*([KMGT]i?B?|[kmgt])?$/;

/** A size parameter in MiB: a number, or text like 512M, 20G, 1T (K rounds up); undefined for none. */
export function sizeMiB(v: number | string | boolean | undefined, what: string): number | undefined {
  if (v === undefined || v === '' || v === false) return undefined;
  if (typeof v === 'number') return v > 0 ? Math.ceil(v) : undefined;
  if (typeof v === 'boolean') return undefined;
  const t = v.trim();
  if (/^(no|none|off|false|0)$/i.test(t)) return undefined;
  const m = SIZE.exec(t);
  if (!m) {
    throw new OsError('E_PARAM', `${what} ${JSON.stringify(v)} is not a size`, {
      hint: `give ${what} as a size such as 512M or 20G (or none)`,
    });
  }
  const n = Number(m[1]);
  const unit = (m[2] ?? 'M')[0]!.toUpperCase();
  const mib =
    unit === 'K' ? Math.ceil(n / 1024) : unit === 'G' ? n * 1024 : unit === 'T' ? n * 1024 * 1024 : n;
  return mib > 0 ? mib : undefined;
}

function bool(v: boolean | string | undefined): boolean {
  return v === true || (typeof v === 'string' && /^(1|true|yes|on)$/i.test(v.trim()));
}

function keyLines(v: string | string[] | undefined): string[] {
  const all = Array.isArray(v) ? v : v ? [v] : [];
  return all
    .flatMap((k) => k.split('\n'))
    .map((k) => k.trim())
    .filter((k) => k !== '');
}

/** The variant with the OS parameters over it; one OsError for a combination that cannot work. */
export function applyParams(v: GuixVariant, p: GuixParams): GuixVariant {
  const filesystem = (p.filesystem || v.filesystem) as GuixVariant['filesystem'];
  const layout = (p.layout || v.layout) as GuixVariant['layout'];
  if (!['ext4', 'btrfs', 'xfs'].includes(filesystem)) {
    throw new OsError('E_PARAM', `filesystem ${filesystem} is not one a Guix System root can have here`, {
      hint: 'use ext4, btrfs or xfs',
    });
  }
  if (layout !== 'plain' && layout !== 'btrfs-subvolumes') {
    throw new OsError('E_PARAM', `layout ${JSON.stringify(layout)} is unknown`, {
      hint: 'use plain or btrfs-subvolumes',
    });
  }
  if (layout === 'btrfs-subvolumes' && filesystem !== 'btrfs') {
    throw new OsError('E_PARAM', `layout btrfs-subvolumes needs a btrfs root, not ${filesystem}`, {
      hint: 'set filesystem=btrfs, or layout=plain',
    });
  }
  const partSize = p.part_size === undefined ? v.partSize : (sizeMiB(p.part_size, 'part_size') ?? 'none');
  const swap = p.swap === undefined ? v.swap : (sizeMiB(p.swap, 'swap') ?? 'none');
  const keys = [...keyLines(p['ssh-authorized-keys']), ...keyLines(p['ssh-key'])];
  return {
    ...v,
    filesystem,
    layout,
    partSize,
    swap,
    ...(p.timezone ? { timezone: p.timezone } : {}),
    ...(keys.length > 0 ? { sshAuthorizedKeys: [...new Set([...v.sshAuthorizedKeys, ...keys])] } : {}),
  };
}

/** The options of every guix command of the run. */
export function commandOptions(v: GuixVariant, p: GuixParams): GuixCommandOptions {
  return {
    guix: v.guix,
    revision: {
      ...(p.commit ? { commit: p.commit } : {}),
      ...(p.branch ? { branch: p.branch } : {}),
      ...(p.repo_uri ? { repoUri: p.repo_uri } : {}),
      disableAuthentication: bool(p.disable_authentication),
    },
    ...(p.system ? { system: p.system } : {}),
    ...(p.target ? { target: p.target } : {}),
    substituteUrls: [...v.substituteUrls],
  };
}

export type RootEncryption = NonNullable<LayoutConfig['encryption']>;

/**
 * Disk 0: gpt (BIOS boot partition, ESP), optional swap, the root ending at part-size; the root
 * encrypted (LUKS2) when `encryption` is given.
 */
export function guixLayout(v: GuixVariant, encryption?: RootEncryption): LayoutConfig {
  return {
    style: 'gpt',
    alignment: v.partitionAlignment,
    filesystem: v.filesystem,
    ...(typeof v.swap === 'number' ? { swapMiB: v.swap } : {}),
    ...(typeof v.partSize === 'number' ? { rootMaxMiB: v.partSize } : {}),
    ...(encryption ? { encryption } : {}),
  };
}

/**
 * The device-mapper name of an instance's encrypted root, on the node while installing and in the
 * guest (its mapped-devices target): `gnt_<short name>_<8 hex of the full name>`. Only letters,
 * digits and `_`: device-mapper doubles every `-` of an LVM name (`a-b` + `root` is `a--b-root`),
 * and a Guix System waits at boot for /dev/mapper/<the name it was given>, so the name never has
 * one; the hash keeps two instances with the same short name apart on one node.
 */
export function luksName(instance: string): string {
  const short = (instance.split('.')[0] ?? '').replace(/[^A-Za-z0-9]/g, '_').slice(0, 40);
  const hash = createHash('sha256').update(instance).digest('hex').slice(0, 8);
  return `gnt_${short}_${hash}`;
}

/** The root encryption of create: the passphrase only behind a function (never in a printed value). */
export function rootEncryption(instance: string, passphrase: string | undefined): RootEncryption | undefined {
  if (!passphrase) return undefined;
  return { name: luksName(instance), passphrase: () => passphrase };
}

const INSTANCE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** `<gc-root-dir>/<instance>`: the instance name must be a plain file name (Ganeti's are host names). */
export function gcRootPath(dir: string, instance: string): string {
  if (!INSTANCE.test(instance) || instance.includes('..')) {
    throw new OsError('E_ENV', `instance name ${JSON.stringify(instance)} cannot name a GC root`, {
      hint: 'Ganeti instance names are host names: letters, digits, dots and hyphens',
    });
  }
  return join(dir, instance);
}

/** XDG_CACHE_HOME of the guix commands: the variant's cache-dir, else xdg/ in the provider's cache. */
export function xdgCacheDir(v: GuixVariant, providerCacheDir: string): string {
  return v.cacheDir || join(providerCacheDir, 'xdg');
}

/**
 * The whole environment guix runs with: nothing inherited (OSP_* values, a private passphrase
 * among them, stay out), a PATH, a UTF-8 locale, its cache, the instance data file and the
 * ganeti-os library the configurations load.
 */
export function guixEnv(o: {
  xdgCache: string;
  instanceData: string;
  library: string;
  tmpdir?: string;
}): Record<string, string> {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    LC_ALL: 'C.UTF-8',
    HOME: o.xdgCache,
    XDG_CACHE_HOME: o.xdgCache,
    [INSTANCE_DATA_ENV]: o.instanceData,
    [LIBRARY_ENV]: o.library,
    ...(o.tmpdir ? { TMPDIR: o.tmpdir } : {}),
  };
}
