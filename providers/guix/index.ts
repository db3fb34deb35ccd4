/**
 * guix: Guix System guests installed from declarative configurations (`<variant>.scm`), with the
 * Guix revision chosen by OS parameters (`guix time-machine`). The instance's facts reach the
 * configuration as a generated Scheme file of literals (instance-data.ts), never as shell or
 * environment text; every guix call is an argument vector (argv.ts). Partitioning, GC roots,
 * export, import and rename are the shared Linux pipeline's with the installer's guix steps; this
 * module stays light: verify loads its checks, the installer is loaded only when an operation runs.
 */
import { defineLinuxProvider, param, sshKeyParam } from 'ganeti-os/sdk';
import { CONFIG_EXTENSION, guixSchema } from './schema.js';

/** A git reference name (git-check-ref-format, printable ASCII): `master`, `version-1.5.0`, `wip/foo`. */
const BRANCH =
  /^(?!-)(?!\/)(?!.*\/$)(?!.*\.$)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)(?!@$)(?!(.*\/)?\.)(?!.*\.lock(\/|$))(?:(?![~^:?*[\\])[!-~])+$/;

const TOKEN = /^[a-z0-9_.-]+$/;

export default defineLinuxProvider({
  name: 'guix',
  description: 'Guix System guests from declarative configurations, pinned to a commit or channel',
  params: {
    commit: param.string({
      description: 'install with the Guix of this commit (guix time-machine --commit)',
      pattern: /^[0-9a-fA-F]{7,40}$/,
      patternText: 'a commit hash of 7 to 40 hex digits',
    }),
    branch: param.string({
      description: 'install with the Guix at the tip of this branch (guix time-machine --branch)',
      pattern: BRANCH,
      patternText: 'a git branch name such as master or version-1.5.0',
      maxLength: 255,
    }),
    repo_uri: param.string({
      description: "the Guix channel's Git repository (guix time-machine --url; default Guix's own)",
      pattern: /^((https?|git|ssh|git\+ssh|file):\/\/[^\s]+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+)$/i,
      patternText: 'an https, http, git, ssh or file URL, or user@host:path',
      maxLength: 2048,
    }),
    disable_authentication: param.boolean({
      description:
        "do not authenticate the channel (a fork without Guix's introduction); used with commit, branch or repo_uri",
      default: false,
    }),
    system: param.string({
      description: 'build for this system, e.g. i686-linux (checked against guix build --list-systems)',
      pattern: TOKEN,
      patternText: 'a system name such as x86_64-linux',
      maxLength: 64,
    }),
    target: param.string({
      description:
        'cross-build for this target triplet, e.g. aarch64-linux-gnu (checked against guix build --list-targets)',
      pattern: TOKEN,
      patternText: 'a target triplet such as aarch64-linux-gnu',
      maxLength: 64,
    }),
    filesystem: param.string({
      description: "root filesystem: ext4, btrfs or xfs (default: the variant's, ext4)",
      pattern: /^(ext4|btrfs|xfs)$/,
      patternText: 'one of ext4, btrfs, xfs',
    }),
    layout: param.string({
      description:
        "plain (one root filesystem) or btrfs-subvolumes (@ for /, @home for /home; needs btrfs) (default: the variant's)",
      pattern: /^(plain|btrfs-subvolumes)$/,
      patternText: 'plain or btrfs-subvolumes',
    }),
    part_size: param.size({
      description:
        'size of the root partition, e.g. 20G (the rest of the disk stays free; default: all of it)',
      min: 16,
    }),
    swap: param.string({
      description: "swap partition size, e.g. 1G, or no (default: the variant's)",
      pattern: /^(no|none|0|[1-9][0-9]*([KMGT]i?B?|[kmgt])?)$/,
      patternText: 'a size such as 512M or 2G, or no',
    }),
    luks_passphrase: param.string({
      description: 'encrypt the root with LUKS using this passphrase (private; never logged)',
      private: true,
      maxLength: 512,
    }),
    'ssh-key': sshKeyParam,
    'ssh-authorized-keys': param.string({
      description: "ssh public keys for root's authorized_keys, one per line (added to the variant's)",
      pattern:
        /^((ssh-|ecdsa-|sk-)[A-Za-z0-9@.-]+ [A-Za-z0-9+/=]+( [^\n]*)?)(\n+((ssh-|ecdsa-|sk-)[A-Za-z0-9@.-]+ [A-Za-z0-9+/=]+( [^\n]*)?))*\n*$/,
      patternText: 'ssh public keys (type base64 [comment]), one per line',
      maxLength: 65536,
    }),
    timezone: param.string({
      description: "time zone of the guest, e.g. Europe/Berlin (default: the variant's, Etc/UTC)",
      pattern: /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/,
      patternText: 'a tz database name such as Europe/Berlin or Etc/UTC',
      maxLength: 64,
    }),
    'dns-nameservers': param.list({
      description: 'DNS servers for the guest, IPv4 or IPv6, space or comma separated',
      itemPattern:
        /^(((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])|[0-9A-Fa-f]*:[0-9A-Fa-f:.]*)$/,
    }),
  },
  variantConfig: { schema: guixSchema, configExtension: CONFIG_EXTENSION },
  installer: () => import('./installer.js').then((m) => m.default),
  async verify(params, ctx) {
    const { verifyGuixParams } = await import('./verify.js');
    await verifyGuixParams(params, ctx);
  },
});
