/**
 * Raw disk streams answered by the script entry itself (providers that declare `rawStreams`, like
 * noop): check the environment, report the size on EXP_SIZE_FD, and let dd move the bytes through
 * the descriptors Ganeti gave us. Signals stop dd and exit with 128+signo.
 */
import { writeSync } from 'node:fs';
import { OsErrors, toOsError } from '../runtime/errors.js';
import { Logger, type LogSink } from '../runtime/logger.js';
import { exportRaw, importRaw } from '../stream/raw.js';
import { parseScriptEnv } from './env.js';

type Env = Readonly<Record<string, string | undefined>>;
const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;

export async function fastRaw(script: 'export' | 'import', env: Env, err: (line: string) => void): Promise<number> {
  const sink: LogSink = { write: err };
  const log = new Logger('info', sink);
  const controller = new AbortController();
  let stoppedBy: keyof typeof SIGNALS | undefined;
  const handlers = (Object.keys(SIGNALS) as (keyof typeof SIGNALS)[]).map((name) => {
    const h = (): void => {
      stoppedBy ??= name;
      controller.abort();
    };
    process.on(name, h);
    return [name, h] as const;
  });
  try {
    const parsed = parseScriptEnv(script, env);
    log.setLevel(Logger.levelFromDebug(parsed.os.debugLevel));
    if (script === 'export') {
      const target = parsed.export!;
      await exportRaw(target.device, (n) => {
        if (target.sizeFd !== undefined) writeSync(target.sizeFd, `${String(n)}\n`);
      }, controller.signal, log);
    } else {
      await importRaw(parsed.import!.device, 0, controller.signal, log);
    }
    return 0;
  } catch (e) {
    if (stoppedBy) {
      log.error(`error[E_INTERRUPTED]: stopped by ${stoppedBy} (hint: rerun the operation)`);
      return 128 + SIGNALS[stoppedBy];
    }
    const error = toOsError(e);
    if (error instanceof OsErrors && error.problems.length > 1) for (const line of error.lines()) log.error(line);
    log.error(error.oneLine());
    return error.exitCode;
  } finally {
    for (const [name, h] of handlers) process.off(name, h);
  }
}
