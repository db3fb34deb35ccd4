/**
 * Bootstrapping a Debian tree: a pure planner (which tool, which arguments, which packages the
 * variant implies) and an executor that runs it into a directory. The cache layer decides whether
 * that directory is a cache staging dir or the target itself.
 */
import { existsSync } from 'node:fs';
import { OsError, type Logger, type Runner } from 'ganeti-os/sdk';
import { createProgress } from 'ganeti-os/sdk/linux';
import { BootstrapOutputParser, describeProgress, LineSplitter } from './bootstrap-progress.js';
import type { DebootstrapVariant } from './schema.js';

export type Bootstrapper = 'debootstrap' | 'mmdebstrap';

export interface BootstrapPlan {
  tool: Bootstrapper;
  suite: string;
  arch: string;
  mirror: string;
  components: string[];
  /** debootstrap's --variant; mmdebstrap gets the same name (standard = debootstrap's default set). */
  variant: DebootstrapVariant['debootstrapVariant'];
  packages: string[];
  keyring: string;
  proxy: string;
}

/** Packages a bootable guest needs given the variant's other keys, plus extra-pkgs. */
export function impliedPackages(v: DebootstrapVariant, firmware: { efi: boolean }): string[] {
  const pkgs = new Set<string>();
  // minbase has no init, no udev and no kernel: a guest that boots needs them.
  for (const p of ['systemd-sysv', 'udev', 'kmod', 'iproute2', 'netbase', 'ca-certificates']) pkgs.add(p);
  if (v.kernel !== 'none') {
    pkgs.add(v.kernel);
    pkgs.add('initramfs-tools');
  }
  if (v.bootloader === 'grub' && v.kernel !== 'none') {
    // update-grub in the guest keeps grub.cfg right after kernel upgrades.
    pkgs.add('grub2-common');
    pkgs.add(firmware.efi ? 'grub-efi-amd64-bin' : 'grub-pc-bin');
  }
  // ifupdown with dhclient is what a Debian admin expects (and dhclient writes resolv.conf);
  // networkd needs systemd-resolved for DNS, a separate package from bookworm on.
  if (v.network === 'auto' || v.network === 'ifupdown') {
    pkgs.add('ifupdown');
    pkgs.add('isc-dhcp-client');
  } else if (v.network === 'networkd' && !['buster', 'bullseye', 'oldoldstable'].includes(v.suite)) {
    pkgs.add('systemd-resolved');
  }
  if (v.locale !== 'C.UTF-8' && v.locale !== 'C' && v.locale !== 'POSIX') pkgs.add('locales');
  if (v.timezone !== 'Etc/UTC' && v.timezone !== 'UTC') pkgs.add('tzdata');
  if (v.filesystem === 'xfs') pkgs.add('xfsprogs');
  if (v.filesystem === 'btrfs') pkgs.add('btrfs-progs');
  for (const p of v.extraPkgs) pkgs.add(p);
  return [...pkgs].sort();
}

export function planBootstrap(
  v: DebootstrapVariant,
  o: { hostArch: string; haveMmdebstrap: boolean; efi: boolean },
): BootstrapPlan {
  const tool: Bootstrapper =
    v.bootstrapper === 'auto' ? (o.haveMmdebstrap ? 'mmdebstrap' : 'debootstrap') : v.bootstrapper;
  return {
    tool,
    suite: v.suite,
    arch: v.arch || o.hostArch,
    mirror: v.mirror,
    components: v.components,
    variant: v.debootstrapVariant,
    packages: impliedPackages(v, { efi: o.efi }),
    keyring: v.keyring,
    proxy: v.proxy,
  };
}

/** What the cache key must cover: everything that changes the bootstrapped tree. */
export function cacheInputs(p: BootstrapPlan): Record<string, unknown> {
  return {
    tool: p.tool,
    suite: p.suite,
    arch: p.arch,
    mirror: p.mirror,
    components: p.components,
    variant: p.variant,
    packages: p.packages,
    keyring: p.keyring,
    // mmdebstrap trees made before merged /usr was set up the debootstrap way held usrmerge and perl
    ...(p.tool === 'mmdebstrap' ? { mergedUsr: MERGED_USR_HOOK } : {}),
  };
}

/**
 * mmdebstrap lets apt resolve init-system-helpers' `usrmerge | usr-is-merged`, which picks usrmerge
 * and with it perl (60 MB more to store and unpack for every instance). This hook of mmdebstrap's
 * merges /usr the way debootstrap does and installs usr-is-merged instead, where the suite has it
 * (from bookworm on; earlier suites are left as they were).
 */
const MERGED_USR_HOOK = '/usr/share/mmdebstrap/hooks/maybe-merged-usr';

export function bootstrapArgv(
  p: BootstrapPlan,
  dir: string,
): { cmd: string; args: string[]; env: Record<string, string> } {
  const env: Record<string, string> = {
    DEBIAN_FRONTEND: 'noninteractive',
    DEBCONF_NONINTERACTIVE_SEEN: 'true',
  };
  if (p.proxy) {
    env.http_proxy = p.proxy;
    env.https_proxy = p.proxy;
  }
  if (p.tool === 'mmdebstrap') {
    const variant =
      p.variant === 'standard' ? 'important' : p.variant === 'fakechroot' ? 'minbase' : p.variant;
    const args = [
      `--variant=${variant}`,
      // apt's and dpkg's lines (Get:, Unpacking, Setting up) are what progress is counted from.
      '--verbose',
      `--architectures=${p.arch}`,
      `--components=${p.components.join(',')}`,
      '--mode=root',
      '--format=directory',
      '--skip=cleanup/apt/lists',
      '--dpkgopt=force-unsafe-io',
      '--aptopt=Acquire::Languages "none"',
      `--hook-dir=${MERGED_USR_HOOK}`,
      '--customize-hook=rm -f "$1"/etc/resolv.conf "$1"/etc/hostname',
    ];
    if (p.packages.length > 0) args.push(`--include=${p.packages.join(',')}`);
    if (p.keyring) args.push(`--keyring=${p.keyring}`);
    args.push(p.suite, dir, p.mirror);
    return { cmd: 'mmdebstrap', args, env };
  }
  const args = [`--arch=${p.arch}`, `--components=${p.components.join(',')}`];
  if (p.variant !== 'standard') args.push(`--variant=${p.variant}`);
  if (p.packages.length > 0) args.push(`--include=${p.packages.join(',')}`);
  if (p.keyring) args.push(`--keyring=${p.keyring}`);
  args.push(p.suite, dir, p.mirror);
  return { cmd: 'debootstrap', args, env };
}

export function hostHasMmdebstrap(): boolean {
  return existsSync('/usr/bin/mmdebstrap');
}

export async function hostArch(runner: Runner): Promise<string> {
  const r = await runner.run('dpkg', ['--print-architecture'], { reject: false });
  return r.exitCode === 0 ? r.stdout.trim() : 'amd64';
}

/**
 * The line of a failed bootstrapper's output that says why (apt's "Failed to fetch ... Connection
 * refused", debootstrap's "Failed getting release file"), rather than its last line ("E: mmdebstrap
 * failed to run"). Pure.
 */
export function bootstrapFailureLine(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const errors = lines.filter((l) => l.startsWith('E: '));
  const telling =
    /failed to fetch|failed getting|could not (connect|resolve)|connection (refused|failed|timed out)|unable to (connect|locate|fetch)|couldn't download/i;
  const line =
    errors.find((l) => telling.test(l)) ??
    lines.find((l) => telling.test(l)) ??
    errors[0] ??
    lines[lines.length - 1];
  return (line ?? 'no output').slice(0, 300);
}

/** Run the bootstrapper into `dir`; a failure names the mirror and the line of output that says why. */
export async function runBootstrap(
  p: BootstrapPlan,
  dir: string,
  runner: Runner,
  log: Logger,
  timeoutMs = 3600_000,
): Promise<void> {
  const { cmd, args, env } = bootstrapArgv(p, dir);
  log.info(
    `bootstrapping ${p.suite}/${p.arch} from ${p.mirror} with ${cmd} (${p.variant}, ${p.packages.length} extra packages)`,
  );
  const hint = `check that ${p.mirror} is reachable from this node (and the proxy setting), and that suite ${p.suite} exists there`;
  // Phase, packages done of the round's total, rate and time left, from the tool's output as it comes.
  const progress = createProgress({ phase: `bootstrap ${p.suite}/${p.arch}`, unit: 'packages', log });
  const parser = new BootstrapOutputParser();
  const lines = new LineSplitter((line) => {
    const s = parser.push(line);
    const detail = s && describeProgress(s);
    if (!s || detail === undefined) return;
    if (s.done === undefined) progress.step(detail);
    else progress.update(s.done, { detail, total: s.total });
  });
  let r;
  try {
    // Timeouts, signals and a tool that cannot start still throw from the runner (with this code and hint).
    r = await runner.run(cmd, args, {
      env,
      timeoutMs,
      code: 'E_BOOTSTRAP',
      hint,
      reject: false,
      onOutput: (chunk) => lines.push(chunk),
    });
  } catch (e) {
    progress.stop();
    throw e;
  }
  lines.end();
  if (r.failed) progress.stop();
  else progress.finish();
  if (r.failed) {
    const why = log.mask(bootstrapFailureLine(`${r.stderr}\n${r.stdout}`));
    throw new OsError(
      'E_BOOTSTRAP',
      `${cmd} could not bootstrap ${p.suite} from ${p.mirror} (exit ${r.exitCode}): ${why}`,
      { hint },
    );
  }
  // apt's package files are not part of a guest.
  await runner.run('find', [`${dir}/var/cache/apt/archives`, '-maxdepth', '1', '-name', '*.deb', '-delete'], {
    reject: false,
  });
  if (!existsSync(`${dir}/etc/debian_version`)) {
    throw new OsError('E_BOOTSTRAP', `${cmd} finished but ${dir} holds no Debian system`, {
      hint: 'rerun with DEBUG_LEVEL=1 to see its output',
    });
  }
}
