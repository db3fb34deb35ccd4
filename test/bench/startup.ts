/**
 * `verify parameters` startup against bare `node -e 0` (limit 1.3x). Ganeti runs verify on every
 * node for every parameter check, so it must cost no more than starting node.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interleave, report, type RatioLine, installInto } from './lib.js';

export async function benchStartup(runs = 30): Promise<RatioLine[]> {
  const work = mkdtempSync(join(tmpdir(), 'gos-bench-startup-'));
  try {
    installInto(work, ['noop', 'debootstrap']);
    const env = {
      PATH: '/sbin:/bin:/usr/sbin:/usr/bin',
      OS_API_VERSION: '20',
      OS_NAME: 'noop',
      OS_VARIANT: '',
      DEBUG_LEVEL: '0',
    };
    const lines: RatioLine[] = [];
    for (const os of ['noop', 'debootstrap']) {
      const verify = join(work, 'os', os, 'verify');
      const variant = os === 'noop' ? '' : 'default';
      const times = await interleave(
        runs,
        () => {
          const r = spawnSync(verify, ['parameters'], {
            env: { ...env, OS_NAME: os, OS_VARIANT: variant },
            stdio: 'ignore',
          });
          if (r.status !== 0) throw new Error(`${verify} parameters failed`);
        },
        () => {
          spawnSync(process.execPath, ['-e', '0'], { env, stdio: 'ignore' });
        },
        3,
      );
      lines.push(report(`verify-startup-${os}`, times, 1.3, 'ms'));
    }
    return lines;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const lines = await benchStartup();
  process.exitCode = lines.every((l) => l.ok) ? 0 : 1;
}
