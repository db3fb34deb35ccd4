/**
 * The `ganeti-os` admin CLI: a thin commander layer over the programmatic API (install, variants,
 * cache, build), with the one top-level catch that prints `error[CODE]: message (hint: ...)`.
 */
import { Command, CommanderError, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { VERSION } from '../version.js';
import { installCommands } from './commands/install.js';
import type { CliContext } from './context.js';
import { reportCliError } from './verbose-hint.js';

export type CommandFactory = (ctx: CliContext) => CommandUnknownOpts[];

const factories: CommandFactory[] = [installCommands];

/** Other modules add their command groups here (variants, cache, build, image). */
export function registerCommands(f: CommandFactory): void {
  factories.push(f);
}

/** The whole program (also read by the man page generator). */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('ganeti-os')
    .description('Ganeti OS providers and disk image builder')
    .version(VERSION)
    .option('-v, --verbose', 'log every command run', false)
    .addOption(
      new Option(
        '--log-format <fmt>',
        'text, or json: one JSON object a line, progress as {"event":"progress",...} events',
      )
        .choices(['text', 'json'] as const)
        .default('text' as const),
    )
    .addHelpText(
      'after',
      '\nEnvironment:\n  GANETI_OS_CONFIG_DIR  parent of the instance-<os> configuration directories, instead of\n' +
        '                        /etc/ganeti or the one recorded at install (a --config-root option wins)',
    )
    .hook('preAction', (cmd) => {
      const o = cmd.opts();
      if (o.verbose) ctx.log.setLevel('debug');
      if (o.logFormat === 'json') ctx.log.setFormat('json');
    });
  for (const f of factories) for (const c of f(ctx)) program.addCommand(c);
  return program;
}

/** Run the CLI; returns the exit code. */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  const program = buildProgram(ctx).exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    return reportCliError(e, ctx.log);
  }
}
