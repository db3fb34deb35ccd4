/**
 * noop export and import throughput against `dd bs=1M` on the same disk (limit: ours takes at most
 * 1/0.9 of dd's time, i.e. throughput >= 0.9x). Page caches are dropped before every run, so both
 * read from and write to the disk for real; export output goes through a pipe as in Ganeti.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dropCaches, interleave, report, type RatioLine, installInto } from './lib.js';

export async function benchNoopStream(sizeMiB = 1024, runs = 5): Promise<RatioLine[]> {
  const work = mkdtempSync(join('/var/tmp', 'gos-bench-noop-'));
  try {
    installInto(work, ['noop']);
    const disk = join(work, 'disk.img');
    const target = join(work, 'target.img');
    execFileSync('bash', [
      '-c',
      `head -c ${sizeMiB}M /dev/urandom > ${disk} && truncate -s ${sizeMiB}M ${target}`,
    ]);
    const base = `env -i PATH=/sbin:/bin:/usr/sbin:/usr/bin OS_API_VERSION=20 OS_NAME=noop OS_VARIANT= DEBUG_LEVEL=0 INSTANCE_NAME=bench DISK_COUNT=1 DISK_0_PATH=${disk} NIC_COUNT=0`;
    const sh = (cmd: string) => () => {
      const r = spawnSync('bash', ['-o', 'pipefail', '-c', cmd], { stdio: ['ignore', 'ignore', 'inherit'] });
      if (r.status !== 0) throw new Error(`failed: ${cmd}`);
    };
    const exp = await interleave(
      runs,
      sh(
        `${base} EXPORT_DEVICE=${disk} EXPORT_INDEX=0 EXP_SIZE_FD=11 ${work}/os/noop/export 11>/dev/null | cat > /dev/null`,
      ),
      sh(`dd if=${disk} bs=1M status=none | cat > /dev/null`),
      1,
      dropCaches,
    );
    const imp = await interleave(
      runs,
      sh(`${base} IMPORT_DEVICE=${target} IMPORT_INDEX=0 ${work}/os/noop/import < ${disk}`),
      sh(`dd if=${disk} of=${target} bs=1M conv=notrunc status=none && sync ${target}`),
      1,
      dropCaches,
    );
    return [
      report(`noop-export-vs-dd-${sizeMiB}M`, exp, 1 / 0.9),
      report(`noop-import-vs-dd-${sizeMiB}M`, imp, 1 / 0.9),
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const lines = await benchNoopStream(Number(process.env.BENCH_SIZE_MIB ?? 1024));
  process.exitCode = lines.every((l) => l.ok) ? 0 : 1;
}
