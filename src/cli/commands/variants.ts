import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { join } from 'node:path';
import { formatVariantList, formatVariantShow } from '../../config/format.js';
import { listVariants } from '../../config/list.js';
import { resolveVariant } from '../../config/resolve.js';
import { DEFAULTS } from '../../ganeti/defaults.js';
import { MANIFEST_FILE, readManifest, renderManifest } from '../../ganeti/manifest.js';
import { publishVariants } from '../../install/publish.js';
import { splitOsName } from '../../ganeti/names.js';
import { renderVariantsList, VARIANTS_FILE, writeOsDirFile } from '../../ganeti/os-dir.js';
import { ExecRunner } from '../../process/runner.js';
import type { AnyProvider } from '../../sdk/types.js';
import { OsError, OsErrors } from '../../runtime/errors.js';
import type { CliContext } from '../context.js';
import { formatHookListing, listVariantHooks } from '../hook-listing.js';
import { checkOsName, knownOsNames } from '../os-names.js';
import { osPaths } from '../os-paths.js';

interface Loc {
  osDir: string;
  configRoot?: string;
}

async function withVariants(name: string, ctx: CliContext, loc: Loc) {
  const paths = osPaths(name, ctx, loc);
  const provider: AnyProvider = await ctx.providers.load(name, paths.module);
  const cfg = provider.variantConfig;
  const location = {
    configDir: paths.configDir,
    shippedDir: join(paths.shareDir, 'variants', name),
    ...(cfg?.configExtension ? { configExtension: cfg.configExtension } : {}),
  };
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
      const names = os ? [checkOsName(ctx, os, o.osDir)] : knownOsNames(ctx, o.osDir);
      const out: Record<string, unknown> = {};
      for (const name of names) {
        const { cfg, location } = await withVariants(name, ctx, o);
        // An OS without variant files (noop) has no variants: an empty list, not an error.
        const list = cfg
          ? await listVariants(name, { ...location, ...(cfg.legacy ? { legacy: true } : {}) })
          : [];
        if (o.json) out[name] = JSON.parse(formatVariantList(list, { json: true, all: o.all })) as unknown;
        else ctx.out(cfg ? `${name}:\n${formatVariantList(list, { all: o.all })}` : `${name}: no variants`);
      }
      if (o.json) ctx.out(JSON.stringify(os ? out[os] : out, null, 2));
    });

  common(
    cmd
      .command('show')
      .description('print the resolved configuration of OS+VARIANT and which file set each key'),
  )
    .argument('<os+variant>', 'e.g. debootstrap+bookworm (without +VARIANT: the default variant)')
    .option(
      '--hooks',
      'list the hooks a create would run, per phase in order, and the files that would not run',
      false,
    )
    .option('--json', 'print JSON', false)
    .action(async (full, o) => {
      const { os, variant } = splitOsName(full);
      checkOsName(ctx, os, o.osDir);
      const { cfg, location, paths } = await withVariants(os, ctx, o);
      const vc = withVariantConfig(os, cfg);
      const listOpts = { ...location, ...(vc.legacy ? { legacy: true } : {}) };
      const name = variant || (await listVariants(os, listOpts)).find((v) => v.isDefault)?.name || 'default';
      const resolved = await resolveVariant(os, name, vc.schema, {
        ...location,
        ...(vc.legacy ? { legacy: { runner: new ExecRunner(ctx.log), mapping: vc.legacy } } : {}),
      });
      if (!o.hooks) return ctx.out(formatVariantShow(resolved, vc.schema, { json: o.json }));
      const listing = await listVariantHooks(resolved, paths.configDir);
      ctx.out(formatHookListing(listing, { json: o.json }));
      if (listing.problems.length > 0) throw new OsErrors(listing.problems);
    });

  common(cmd.command('sync').description("rewrite the installed OS's variants.list from the variant files"))
    .argument('[os]', 'OS name (default: every installed OS with variants)')
    .option(
      '--skip-broken',
      'publish the variants that resolve, warning about those that do not (default: refuse them)',
      false,
    )
    .action(async (os, o) => {
      const names = os ? [checkOsName(ctx, os, o.osDir)] : knownOsNames(ctx, o.osDir);
      const inOsDir = o.osDir === DEFAULTS.osDir ? '' : ` --os-dir ${o.osDir}`;
      let synced = 0;
      for (const name of names) {
        const { provider, cfg, paths } = await withVariants(name, ctx, o);
        if (!cfg) {
          if (os) withVariantConfig(name, cfg);
          continue;
        }
        if (!paths.installed) {
          if (os)
            throw new OsError('E_NOT_INSTALLED', `${name} is not installed in ${o.osDir}`, {
              hint: `ganeti-os install ${name}${inOsDir}`,
            });
          continue;
        }
        const { names: published, record } = await publishVariants(provider, paths, {
          skipBroken: o.skipBroken,
          log: ctx.log,
        });
        const content = renderVariantsList(published);
        // The record first: verify trusts a name only while its record matches (see fast-path.ts).
        const manifest = renderManifest({ ...readManifest(paths.osDir), ...record });
        writeOsDirFile(paths.osDir, { name: MANIFEST_FILE, content: manifest, mode: 0o644 });
        const changed = writeOsDirFile(paths.osDir, { name: VARIANTS_FILE, content, mode: 0o644 });
        ctx.out(
          `${changed ? 'updated' : 'unchanged'} ${join(paths.osDir, VARIANTS_FILE)}: ${published.join(', ')}`,
        );
        synced++;
      }
      if (synced === 0)
        throw new OsError(
          'E_NOT_INSTALLED',
          `no OS with variants is installed in ${o.osDir}; nothing to sync`,
          {
            hint: `ganeti-os install${inOsDir}, or pass the --os-dir that holds the installed OSes`,
          },
        );
    });
  return [cmd];
}
