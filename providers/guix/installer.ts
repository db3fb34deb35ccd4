/**
 * What the shared Linux pipeline needs from guix: the variant (a configuration, with its YAML keys
 * if it has a file) with the OS parameters over it; disk 0 laid out as gpt with a BIOS boot
 * partition and an ESP (the root ending at part_size); a root filled by `guix system build` and
 * `guix system init` (install.ts); a guest that configures itself (Guix manages /etc: every shared
 * guest step is skipped) and installs its own bootloader; an import that keeps the root's UUID and
 * label and puts back what the stream cannot carry (restore.ts); a rename that rewrites the
 * instance data (rename.ts). Create, import and rename also write the ganeti-os library the
 * configurations load (files.ts finds it) next to the instance data.
 */
import { linuxSettings, OsError, type InstanceInfo, type ProviderPaths, type Runner } from 'ganeti-os/sdk';
import { GUEST_STEPS, type GuestFamily, type LinuxConfig, type LinuxInstaller } from 'ganeti-os/sdk/linux';
import type { GuixCommandOptions } from './argv.js';
import { CONFIG_GUEST_PATH } from './instance-data.js';
import { configFileOf, libraryFileOf, loadGuixVariant } from './files.js';
import { installGuix } from './install.js';
import { commandOptions, guixLayout, rootEncryption, type GuixParams, type RootEncryption } from './plan.js';
import { renameGuix } from './rename.js';
import { restoreGuix, verifyGuixTree } from './restore.js';
import type { GuixVariant } from './schema.js';

export interface GuixConfig extends LinuxConfig {
  variant: GuixVariant;
  command: GuixCommandOptions;
  /** The configuration file (absolute). */
  configFile: string;
  paths: ProviderPaths;
  /** The instance, for create and import. */
  instance?: InstanceInfo;
  /**
   * luks_passphrase was given with the instance: the root is encrypted under this name (the
   * passphrase only behind a function, so the configuration prints without it).
   */
  encryption?: RootEncryption;
  /** The dns-nameservers parameter. */
  nameservers: string[];
}

/** A Guix System: /etc is Guix's own; the shared steps write nothing into it. */
export const GUIX_FAMILY: GuestFamily = {
  name: 'guix',
  chroot: { env: {}, policyRcD: false },
  marker: CONFIG_GUEST_PATH,
};

async function configure(
  paths: ProviderPaths,
  variantName: string,
  params: GuixParams,
  runner: Runner,
  instance: InstanceInfo | undefined,
): Promise<GuixConfig> {
  const { resolved, variant: v } = await loadGuixVariant(paths, variantName, params, runner);
  const configFile = configFileOf(v, resolved.name, resolved.files, paths);
  const encryption = instance ? rootEncryption(instance.name, params.luks_passphrase) : undefined;
  return {
    resolved,
    // The pipeline's view: gpt, no shared guest step writes anything (Guix manages the guest's /etc).
    settings: linuxSettings({
      ...resolved.values,
      'partition-style': 'gpt',
      'partition-alignment': v.partitionAlignment,
      filesystem: v.filesystem,
      swap: v.swap,
      'boot-partition': 'none',
      bootloader: 'grub',
      'serial-console': v.serialConsole,
      'root-password': 'locked',
      'ssh-authorized-keys': v.sshAuthorizedKeys,
      locale: 'C.UTF-8',
      timezone: v.timezone,
      'hostname-fqdn': false,
      network: 'none',
    }),
    ...(params.filesystem ? { explicitFilesystem: true } : {}),
    variant: v,
    command: commandOptions(v, params),
    configFile,
    paths,
    ...(instance ? { instance } : {}),
    ...(encryption ? { encryption } : {}),
    nameservers: [...(params['dns-nameservers'] ?? [])],
  };
}

function needInstance(cfg: GuixConfig): InstanceInfo {
  if (!cfg.instance) throw new OsError('E_INTERNAL', 'the guix installer needs the instance here');
  return cfg.instance;
}

const installer: LinuxInstaller<GuixParams, GuixConfig> = {
  os: 'guix',
  configure: ({ paths, variant, params, runner, instance }) =>
    configure(paths, variant, params, runner, instance),
  describe: (cfg) => {
    const r = cfg.command.revision;
    const rev = r.commit ? `commit ${r.commit}` : r.branch ? `branch ${r.branch}` : 'the installed guix';
    const luks = cfg.encryption ? ', LUKS2-encrypted root' : '';
    return `${cfg.configFile}, ${rev}, ${cfg.variant.firmware}, ${cfg.variant.filesystem} ${cfg.variant.layout}${luks}`;
  },
  layout: (cfg) => guixLayout(cfg.variant, cfg.encryption),
  begin: (cfg, run) => ({
    fill: (disk) =>
      installGuix(
        {
          variant: cfg.variant,
          command: cfg.command,
          configFile: cfg.configFile,
          libraryFile: libraryFileOf(cfg.paths),
          instance: needInstance(cfg),
          cacheDir: cfg.paths.cacheDir,
          nameservers: cfg.nameservers,
        },
        disk,
        run,
      ),
    settled: () => Promise.resolve(),
  }),
  guest: () => ({ family: GUIX_FAMILY, skip: GUEST_STEPS }),
  boot: () => 'self',
  keepRootIdentity: true,
  verifyTree: (target, cfg) => verifyGuixTree(target, cfg.encryption !== undefined),
  afterImport: (cfg, disk, run) =>
    restoreGuix(
      {
        variant: cfg.variant,
        instance: run.instance,
        nameservers: cfg.nameservers,
        libraryFile: libraryFileOf(cfg.paths),
      },
      disk,
      run,
    ),
  async rename(ctx) {
    const cfg = await configure(ctx.paths, ctx.variant, ctx.params, ctx.runner, undefined);
    await renameGuix(ctx, {
      variant: cfg.variant,
      nameservers: cfg.nameservers,
      libraryFile: libraryFileOf(cfg.paths),
      encrypted: Boolean(ctx.params.luks_passphrase),
    });
  },
};

export default installer;
