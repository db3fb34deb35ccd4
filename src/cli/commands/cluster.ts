import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { join } from 'node:path';
import {
  clusterCheck,
  clusterInstall,
  formatCheck,
  nodeDigest,
  type CheckResult,
  type NodeDigest,
} from '../../cluster/index.js';
import { DEFAULTS } from '../../ganeti/defaults.js';
import { ganetiSearchPath } from '../../install/search-path.js';
import { ExecRunner } from '../../process/runner.js';
import { CleanupStack } from '../../runtime/cleanup.js';
import { OsError } from '../../runtime/errors.js';
import { guardSignals } from '../../runtime/signals.js';
import { VERSION } from '../../version.js';
import type { CliContext } from '../context.js';

/** The command the Debian package installs. */
const LAUNCHER = '/usr/bin/ganeti-os';

const splitList = (s: string | undefined): string[] | undefined => s?.split(',').filter(Boolean);

function formatDigest(d: NodeDigest): string {
  const lines = [`${d.node}: ganeti-os ${d.version}, ${d.providers.length} provider(s)`];
  for (const p of d.providers) {
    lines.push(
      `${p.name} ${p.dir} (installed by ${p.version}, API ${p.apiVersions.join(' ')})${p.error ? `: ${p.error}` : ''}`,
    );
    for (const v of p.variants) {
      const flags = [v.isDefault ? 'default' : '', v.published ? '' : 'unpublished']
        .filter(Boolean)
        .join(', ');
      lines.push(
        `  ${v.name.padEnd(16)} ${v.digest.slice(0, 16)}  ${v.files.length} file(s), ${v.hooks.length} hook(s)` +
          `${flags ? ` [${flags}]` : ''}${v.error ? `  error: ${v.error}` : ''}`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

function reportCheck(ctx: CliContext, r: CheckResult, json: boolean): void {
  ctx.out(json ? JSON.stringify(r, null, 2) : formatCheck(r));
  if (!r.ok)
    throw new OsError(
      'E_CLUSTER_DRIFT',
      `${r.differences.length} difference(s) between the nodes and ${r.reference}`,
      {
        hint: "`ganeti-os cluster install --config` puts the master's package and configuration on every node",
      },
    );
}

export function clusterCommands(ctx: CliContext): CommandUnknownOpts[] {
  const cmd = new Command('cluster').description(
    'install on every node and compare the nodes, through gnt-cluster command and copyfile (run on the master)',
  );
  const thisCli = [process.execPath, join(ctx.distDir, 'ganeti-os.mjs')].join(' ');

  cmd
    .command('digest')
    .description(
      "this node's ganeti-os version, installed providers and a sha256 of every resolved variant, its files and hooks",
    )
    .option('--search-path <dirs>', "Ganeti's OS search path, comma-separated (default: read from Ganeti)")
    .option('--json', 'print JSON (one line)', false)
    .action(async (o) => {
      const d = await nodeDigest({
        providers: ctx.providers,
        runner: new ExecRunner(ctx.log),
        version: VERSION,
        searchPath: splitList(o.searchPath) ?? ganetiSearchPath(),
      });
      ctx.out(o.json ? JSON.stringify(d) : formatDigest(d));
    });

  cmd
    .command('check')
    .description('compare every node with the master: version, providers, variants, their files and hooks')
    .option('--cli <command>', 'the ganeti-os command on the nodes', thisCli)
    .option('-n, --node <names...>', 'only these nodes (default: every online node)')
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const r = await clusterCheck({
        runner: new ExecRunner(ctx.log),
        cli: o.cli.split(' ').filter(Boolean),
        ...(o.node ? { nodes: o.node } : {}),
      });
      reportCheck(ctx, r, o.json);
    });

  cmd
    .command('install')
    .description(
      'install the same ganeti-os and providers (and with --config the same configuration) on every node, then check',
    )
    .argument('[names...]', 'built-in providers to install (default: all)')
    .option('--package <file>', 'a ganeti-os .deb (default: the bundle this node runs)')
    .option('--config', "also copy this node's instance-<os> configuration and /etc/default files", false)
    .option('--os-dir <dir>', 'Ganeti OS search directory', DEFAULTS.osDir)
    .option('--lib-dir <dir>', 'where the shared bundle is installed', DEFAULTS.libDir)
    .option(
      '--config-root <dir>',
      'parent of instance-<os> configuration dirs (default: as installed, else /etc/ganeti)',
    )
    .option('--cache-root <dir>', 'parent of per-provider cache dirs', DEFAULTS.cacheRoot)
    .option('--node-path <path>', 'absolute path of node on the nodes', process.execPath)
    .option('--search-path <dirs>', "Ganeti's OS search path, comma-separated (default: read from Ganeti)")
    .option('-f, --force', 'install even if another search directory holds the same OS name', false)
    .option('--skip-broken', 'publish the variants that resolve, warning about those that do not', false)
    .option('--no-check', 'do not run `cluster check` afterwards')
    .option('--json', 'print the check as JSON', false)
    .action(async (names, o) => {
      const configRoot = o.configRoot ?? ctx.configRoot;
      const searchPath = splitList(o.searchPath) ?? ganetiSearchPath();
      const installArgs = [
        'install',
        '--os-dir',
        o.osDir,
        '--lib-dir',
        o.libDir,
        ...(configRoot ? ['--config-root', configRoot] : []),
        '--cache-root',
        o.cacheRoot,
        ...(o.searchPath ? ['--search-path', o.searchPath] : []),
        ...(o.force ? ['--force'] : []),
        ...(o.skipBroken ? ['--skip-broken'] : []),
        ...names,
      ];
      const stack = new CleanupStack(ctx.log);
      const guard = guardSignals(stack, ctx.log);
      const runner = new ExecRunner(ctx.log, guard.signal);
      try {
        const r = await clusterInstall({
          runner,
          log: ctx.log,
          cleanup: stack,
          ...(o.package ? { packageFile: o.package } : {}),
          config: o.config,
          installArgs,
          names: names.length > 0 ? names : ctx.providers.names(),
          configRoot,
          searchPath,
          distDir: ctx.distDir,
          packageRoot: ctx.packageRoot,
          version: VERSION,
          nodePath: o.nodePath,
          launcher: LAUNCHER,
        });
        ctx.log.info(
          `installed on ${r.nodes.join(', ')}${r.config.length > 0 ? `; configuration: ${r.config.join(', ')}` : ''}`,
        );
        if (!o.check) return;
        const cli = o.package ? [LAUNCHER] : [o.nodePath, join(o.libDir, 'ganeti-os.mjs')];
        reportCheck(ctx, await clusterCheck({ runner, cli }), o.json);
      } finally {
        await stack.unwind();
        guard.dispose();
      }
    });
  return [cmd];
}
