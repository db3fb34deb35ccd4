/**
 * verify's executor: the `system` and `target` parameters against the lists of the guix the
 * variant names (`guix build --list-systems`, `--list-targets`; under a second each), after the
 * parameters are checked together with the variant (layout against filesystem). Without a guix
 * on the node the check is skipped (logged at debug level): Ganeti runs verify on every node,
 * and the one that installs runs guix itself, which refuses an unsupported value with one line.
 */
import type { Logger, ParamValues, Runner, VerifyContext } from 'ganeti-os/sdk';
import { ExecRunner } from 'ganeti-os/sdk/linux';
import { listArgv } from './argv.js';
import { loadGuixVariant } from './files.js';
import type provider from './index.js';
import { checkListed, parseGuixList } from './systems.js';

export interface SystemCheck {
  system?: string;
  target?: string;
}

/** Run `guix build --list-<what>s`; undefined when guix cannot be started. */
async function listOf(
  runner: Runner,
  guix: string,
  what: 'systems' | 'targets',
  log: Logger,
): Promise<string[] | undefined> {
  const [cmd, ...args] = listArgv(guix, what);
  try {
    const r = await runner.run(cmd!, args, { reject: false, timeoutMs: 60_000 });
    if (r.exitCode !== 0) {
      log.debug(`${cmd} ${args.join(' ')} exited ${r.exitCode}; not checking the ${what}`);
      return undefined;
    }
    return parseGuixList(r.stdout);
  } catch (e) {
    log.debug(`no guix to check the ${what} with (${guix}): ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

/** Check `system` and `target` against the guix at `guix`; skipped when that guix is absent. */
export async function checkSystemAndTarget(
  params: SystemCheck,
  guix: string,
  runner: Runner,
  log: Logger,
): Promise<void> {
  for (const param of ['system', 'target'] as const) {
    const value = params[param];
    if (!value) continue;
    const known = await listOf(runner, guix, `${param}s`, log);
    if (known) checkListed(param, value, known);
  }
}

type Params = ParamValues<(typeof provider)['params']>;

/** verify: the parameters over the selected variant, then system and target against its guix. */
export async function verifyGuixParams(params: Params, ctx: VerifyContext): Promise<void> {
  const runner = new ExecRunner(ctx.log);
  const { variant } = await loadGuixVariant(ctx.paths, ctx.variant, params, runner);
  if (!params.system && !params.target) return;
  // A relative guix is the installer's to resolve against the variant file: check with the one on PATH.
  const guix = variant.guix.startsWith('/') ? variant.guix : 'guix';
  await checkSystemAndTarget(params, guix, runner, ctx.log);
}
