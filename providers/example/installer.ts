/** The golden provider's installer: what the shared pipeline needs, and nothing else. */
import { linuxSettings, OsError, settingsOf } from 'ganeti-os/sdk';
import { LINUX_FAMILY, loadVariant, type LinuxConfig, type LinuxInstaller } from 'ganeti-os/sdk/linux';
import { existsSync } from 'node:fs';
import { goldenKeys, goldenSchema } from './provider.js';

interface GoldenConfig extends LinuxConfig {
  source: string;
}

const installer: LinuxInstaller<Record<string, never>, GoldenConfig> = {
  os: 'golden',
  async configure({ paths, variant, runner }) {
    const resolved = await loadVariant({ os: 'golden', schema: goldenSchema }, paths, variant, runner);
    const { source } = settingsOf(goldenKeys, resolved.values);
    if (!source || !existsSync(`${source}/etc`)) {
      throw new OsError(
        'E_VARIANT_VALUE',
        `variant ${resolved.name}: source ${JSON.stringify(source)} is not a root tree`,
        {
          hint: 'set `source:` to a directory holding a whole guest (etc/, usr/, boot/ ...)',
        },
      );
    }
    return { resolved, settings: linuxSettings(resolved.values), source };
  },
  describe: (cfg) => `from ${cfg.source}`,
  begin: (cfg, { runner }) => ({
    settled: () => Promise.resolve(),
    async fill(disk) {
      // -aHAXS: owners, modes, hardlinks, ACLs, xattrs (file capabilities), sparse files.
      const argv = ['-aHAXS', '--numeric-ids', `${cfg.source}/`, `${disk.target}/`];
      await runner.run('rsync', argv, { code: 'E_X_GOLDEN_COPY', hint: `is ${cfg.source} readable?` });
      return `copied ${cfg.source}`;
    },
  }),
  // Any Linux guest: the shared steps, no distribution's own (apt sources, locale-gen).
  guest: () => ({ family: LINUX_FAMILY }),
  boot: (cfg) => (cfg.settings.boot.bootloader === 'grub' ? 'grub' : 'none'),
};

export default installer;
