import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { DEFAULTS } from '../../ganeti/defaults.js';
import { install, uninstall } from '../../install/install.js';
import { VERSION } from '../../version.js';
import type { CliContext } from '../context.js';

export function installCommands(ctx: CliContext): CommandUnknownOpts[] {
  const inst = new Command('install')
    .description('install OS providers into a Ganeti OS search directory (idempotent)')
    .argument('[names...]', 'built-in providers to install (default: all)')
    .option('--os-dir <dir>', 'Ganeti OS search directory', DEFAULTS.osDir)
    .option('--lib-dir <dir>', 'where the shared bundle is installed', DEFAULTS.libDir)
    .option(
      '--config-root <dir>',
      'parent of instance-<os> configuration dirs (default: GANETI_OS_CONFIG_DIR, else as installed, else /etc/ganeti)',
    )
    .option('--cache-root <dir>', 'parent of per-provider cache dirs', DEFAULTS.cacheRoot)
    .option('--provider <path...>', 'install a custom provider module (.ts/.js/.mjs)')
    .option('--node <path>', 'absolute path of node for the scripts (default: this node)')
    .option('--search-path <dirs>', "Ganeti's OS search path, comma-separated (default: read from Ganeti)")
    .option(
      '--as <name>',
      'install the one provider named under this OS name (e.g. beside ganeti-instance-debootstrap)',
    )
    .option(
      '-f, --force',
      'install even if another search directory holds the same OS name (Ganeti runs the first one in its search path)',
      false,
    )
    .option(
      '--skip-broken',
      'publish the variants that resolve, warning about those that do not (default: refuse them)',
      false,
    )
    .option('--json', 'print the result as JSON', false)
    .action(async (names, o) => {
      const results = await install({
        names,
        providerModules: o.provider ?? [],
        osDir: o.osDir,
        libDir: o.libDir,
        configRoot: o.configRoot ?? ctx.configRoot,
        cacheRoot: o.cacheRoot,
        distDir: ctx.distDir,
        packageRoot: ctx.packageRoot,
        providers: ctx.providers,
        ...(o.node ? { nodePath: o.node } : {}),
        force: o.force,
        skipBroken: o.skipBroken,
        ...(o.searchPath ? { searchPath: o.searchPath.split(',').filter(Boolean) } : {}),
        ...(o.as !== undefined ? { as: o.as } : {}),
        version: VERSION,
        log: ctx.log,
      });
      if (o.json) {
        ctx.out(JSON.stringify(results, null, 2));
        return;
      }
      for (const r of results) {
        const v = r.variants.length > 0 ? ` variants: ${r.variants.join(', ')}` : '';
        ctx.out(`${r.changed ? 'installed' : 'up to date'} ${r.name} in ${r.dir}${v}`);
      }
    });
  const uninst = new Command('uninstall')
    .description('remove OS directories installed by ganeti-os')
    .argument('<names...>', 'OS names')
    .option('--os-dir <dir>', 'Ganeti OS search directory', DEFAULTS.osDir)
    .action((names, o) => {
      for (const d of uninstall({ names, osDir: o.osDir, log: ctx.log })) ctx.out(`removed ${d}`);
    });
  return [inst, uninst];
}
