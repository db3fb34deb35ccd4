import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { join } from 'node:path';
import { formatVariantList, formatVariantShow } from '../../config/format.js';
import { listVariants } from '../../config/list.js';
import { splitOsName } from '../../config/names.js';
import { resolveVariant } from '../../config/resolve.js';
import { renderVariantsList, syncVariantsList } from '../../config/variants-list.js';
import { DEFAULTS } from '../../install/install.js';
import { ExecRunner } from '../../process/runner.js';
import { builtinProviderNames, loadProvider } from '../../dispatch/registry.js';
import type { AnyProvider } from '../../sdk/types.js';
import { OsError } from '../../runtime/errors.js';
import type { CliContext } from '../context.js';
import { osPaths } from '../os-paths.js';

interface Loc {
  osDir: string;
  configRoot?: string;
}

async function withVariants(name: string, ctx: CliContext, loc: Loc) {
  const paths = osPaths(name, { ...loc, packageRoot: ctx.packageRoot });
  const provider: AnyProvider = await loadProvider(name, paths.module);
  const cfg = provider.variantConfig;
  const location = { configDir: paths.configDir, shippedDir: join(paths.shareDir, 'variants', name) };
  return { provider, paths, cfg, location };
}

function withVariantConfig(
  name: string,
  cfg: AnyProvider['variantConfig'],
): NonNullable<AnyProvider['variantConfig']> {
  if (!cfg)
    throw new OsError('E_NO_VARIANTS', `${name} has no variant files`, {
      hint: 'only providers with variants (e.g. debootstrap) have them',
    });
  return cfg;
}

export function variantsCommands(ctx: CliContext): CommandUnknownOpts[] {
  const cmd = new Command('variants').description('list, inspect and publish variants');
  const common = (c: Command) =>
    c
      .option('--os-dir <dir>', 'Ganeti OS search directory holding the installed OS', DEFAULTS.osDir)
      .option('--config-root <dir>', 'instead of /etc/ganeti');

  common(cmd.command('list').description('list the variants of an OS (default: every OS with variants)'))
    .argument('[os]', 'OS name')
    .option('--all', 'also list unpublished variants', false)
    .option('--json', 'print JSON', false)
    .action(async (os, o) => {
      const names = os ? [os] : builtinProviderNames();
      const out: Record<string, unknown> = {};
      for (const name of names) {
        const { cfg, location } = await withVariants(name, ctx, o);
        if (!cfg) continue;
        const list = await listVariants(name, { ...location, ...(cfg.legacy ? { legacy: true } : {}) });
        if (o.json) out[name] = JSON.parse(formatVariantList(list, { json: true, all: o.all })) as unknown;
        else ctx.out(`${name}:\n${formatVariantList(list, { all: o.all })}`);
      }
      if (o.json) ctx.out(JSON.stringify(os ? out[os] : out, null, 2));
    });

  common(
    cmd
      .command('show')
      .description('print the resolved configuration of OS+VARIANT and which file set each key'),
  )
    .argument('<os+variant>', 'e.g. debootstrap+bookworm')
    .option('--json', 'print JSON', false)
    .action(async (full, o) => {
      const { os, variant } = splitOsName(full);
      const { cfg, location } = await withVariants(os, ctx, o);
      const vc = withVariantConfig(os, cfg);
      const resolved = await resolveVariant(os, variant || 'default', vc.schema, {
        ...location,
        ...(vc.legacy ? { legacy: { runner: new ExecRunner(ctx.log), mapping: vc.legacy } } : {}),
      });
      ctx.out(formatVariantShow(resolved, vc.schema, { json: o.json }));
    });

  common(cmd.command('sync').description("rewrite the installed OS's variants.list from the variant files"))
    .argument('[os]', 'OS name (default: every installed OS with variants)')
    .action(async (os, o) => {
      const names = os ? [os] : builtinProviderNames();
      for (const name of names) {
        const { cfg, location, paths } = await withVariants(name, ctx, o);
        if (!cfg) {
          if (os) withVariantConfig(name, cfg);
          continue;
        }
        if (!paths.installed) {
          if (os)
            throw new OsError('E_NOT_INSTALLED', `${name} is not installed in ${o.osDir}`, {
              hint: `ganeti-os install ${name}`,
            });
          continue;
        }
        const list = await listVariants(name, { ...location, ...(cfg.legacy ? { legacy: true } : {}) });
        const r = await syncVariantsList(paths.osDir, renderVariantsList(list));
        ctx.out(
          `${r.changed ? 'updated' : 'unchanged'} ${r.file}: ${list
            .filter((v) => v.published)
            .map((v) => v.name)
            .join(', ')}`,
        );
      }
    });
  return [cmd];
}
