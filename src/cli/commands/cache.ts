import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { clearCache, listCache, pruneCache } from '../../cache/admin.js';
import { DEFAULTS } from '../../ganeti/defaults.js';
import { splitOsName } from '../../ganeti/names.js';
import { ExecRunner } from '../../process/runner.js';
import { CleanupStack } from '../../runtime/cleanup.js';
import { OsError } from '../../runtime/errors.js';
import { guardSignals } from '../../runtime/signals.js';
import type { CliContext } from '../context.js';
import { checkOsName, knownOsNames } from '../os-names.js';
import { osPaths } from '../os-paths.js';

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(0)} MiB`;
}

export function cacheCommands(ctx: CliContext): CommandUnknownOpts[] {
  const cmd = new Command('cache').description(
    "manage the bootstrap caches, downloaded images and the GC roots of guix instances' systems",
  );
  const dirsOf = (os: string | undefined, osDir: string): { os: string; dir: string }[] =>
    (os ? [checkOsName(ctx, os, osDir)] : knownOsNames(ctx, osDir)).map((name) => ({
      os: name,
      dir: osPaths(name, ctx, { osDir }).cacheDir,
    }));
  /** A subcommand on the cache of one OS or of all: `[os]`, --os-dir and --json. */
  const perOsCommand = (name: string, description: string) =>
    cmd
      .command(name)
      .description(description)
      .argument('[os]', 'OS name (default: all)')
      .option('--os-dir <dir>', 'Ganeti OS search directory', DEFAULTS.osDir)
      .option('--json', 'print JSON', false);
  /** Run `act` on the cache of `os` (or of every provider) and print one result per OS. */
  const eachCache = async (
    os: string | undefined,
    o: { osDir: string; json: boolean },
    act: (dir: string) => Promise<object>,
  ): Promise<void> => {
    const results = [];
    for (const { os: name, dir } of dirsOf(os, o.osDir)) results.push({ os: name, ...(await act(dir)) });
    ctx.out(
      o.json
        ? JSON.stringify(results, null, 2)
        : results.map((r) => `${r.os}: ${JSON.stringify(r)}`).join('\n'),
    );
  };

  perOsCommand('list', 'list cache entries')
    .option('--verify', 'recompute checksums', false)
    .action(async (os, o) => {
      const all = [];
      for (const { os: name, dir } of dirsOf(os, o.osDir)) {
        for (const e of await listCache({ dir, verify: o.verify })) all.push({ os: name, dir, ...e });
      }
      if (o.json) return ctx.out(JSON.stringify(all, null, 2));
      if (all.length === 0) return ctx.out('no cache entries');
      for (const e of all) {
        const age = `${e.ageDays === null ? '?' : e.ageDays.toFixed(1)} days`;
        if (e.kind === 'image') {
          ctx.out(`${e.os}\timage ${e.name}\t${e.status}\t${mib(e.sizeBytes)}\t${age}\t${e.url ?? ''}`);
          continue;
        }
        if (e.kind === 'gcroot') {
          ctx.out(`${e.os}\tgcroot ${e.name}\t${e.status}\t${e.key ?? '?'}\t${age}\t${e.path ?? ''}`);
          continue;
        }
        ctx.out(
          `${e.os}\t${e.name}\t${e.status}\t${mib(e.sizeBytes)}${e.images.length > 0 ? ` + ${mib(e.imageBytes)} image` : ''}\t${age}\t${e.tarball ?? ''}`,
        );
      }
    });

  cmd
    .command('warm')
    .description('build the cache entry of OS+VARIANT now (e.g. before a node loses its route to the mirror)')
    .argument('<os+variant>', 'e.g. debootstrap+bookworm')
    .option('--os-dir <dir>', 'Ganeti OS search directory', DEFAULTS.osDir)
    .option('--json', 'print JSON', false)
    .action(async (full, o) => {
      const { os, variant } = splitOsName(full);
      checkOsName(ctx, os, o.osDir);
      const paths = osPaths(os, ctx, { osDir: o.osDir });
      const provider = await ctx.providers.load(os, paths.module);
      if (!provider.warmCache)
        throw new OsError('E_NO_CACHE', `${os} keeps no cache`, {
          hint: 'only bootstrapping providers (debootstrap) have caches',
        });
      const stack = new CleanupStack(ctx.log);
      const guard = guardSignals(stack, ctx.log);
      try {
        const r = await provider.warmCache({
          variant: variant || 'default',
          paths,
          log: ctx.log,
          runner: new ExecRunner(ctx.log, guard.signal),
          cleanupRunner: new ExecRunner(ctx.log),
          cleanup: stack,
          signal: guard.signal,
        });
        ctx.out(
          o.json
            ? JSON.stringify({ os, variant: variant || 'default', ...r })
            : `${r.hit ? 'already cached' : 'cached'}: ${r.path}`,
        );
      } finally {
        await stack.unwind();
        guard.dispose();
      }
    });

  perOsCommand(
    'prune',
    'remove expired and broken entries, images unused for a while, and leftovers of killed builds and downloads',
  )
    .option(
      '--older-than <days>',
      "remove entries older than this many days ('never': only broken ones)",
      '14',
    )
    .action(async (os, o) => {
      const days = o.olderThan === 'never' ? 'never' : Number(o.olderThan);
      if (days !== 'never' && !(days >= 0))
        throw new OsError('E_USAGE', `--older-than ${o.olderThan} is not a number of days`, {
          hint: 'e.g. --older-than 14',
        });
      await eachCache(os, o, (dir) => pruneCache({ dir, log: ctx.log, olderThanDays: days }));
    });

  perOsCommand('clear', 'remove every cache entry and downloaded image').action(async (os, o) => {
    await eachCache(os, o, (dir) => clearCache({ dir, log: ctx.log }));
  });
  return [cmd];
}
