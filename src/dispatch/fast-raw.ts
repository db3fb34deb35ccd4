/**
 * Raw disk streams answered by the script entry itself (providers that declare `rawStreams`, like
 * noop): check the environment, report the size on EXP_SIZE_FD, and let dd move the bytes through
 * the descriptors Ganeti gave us. Signals are handled as everywhere (guardSignals): dd is stopped
 * and the process exits with 128+signo.
 */
import { writeSync } from 'node:fs';
import { CleanupStack } from '../runtime/cleanup.js';
import { reportError } from '../runtime/errors.js';
import { Logger } from '../runtime/logger.js';
import { guardSignals } from '../runtime/signals.js';
import { exportRaw, importRaw } from '../stream/raw.js';
import { parseScriptEnv } from '../ganeti/env.js';

type Env = Readonly<Record<string, string | undefined>>;

export async function fastRaw(
  script: 'export' | 'import',
  env: Env,
  err: (line: string) => void,
): Promise<number> {
  const log = new Logger('info', { write: err });
  const guard = guardSignals(new CleanupStack(log), log);
  try {
    const parsed = parseScriptEnv(script, env);
    log.setLevel(Logger.levelFromDebug(parsed.os.debugLevel));
    if (script === 'export') {
      const target = parsed.export!;
      const reportSize = (n: bigint): void => {
        if (target.sizeFd !== undefined) writeSync(target.sizeFd, `${String(n)}\n`);
      };
      await exportRaw(target.device, reportSize, guard.signal, log);
    } else {
      await importRaw(parsed.import!.device, 0, guard.signal, log);
    }
    return 0;
  } catch (e) {
    return reportError(e, log);
  } finally {
    guard.dispose();
  }
}
