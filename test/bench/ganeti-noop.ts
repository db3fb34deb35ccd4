/**
 * `gnt-instance add -t file --disk 0:size=64M -o noop --no-start` through a real Ganeti cluster:
 * our noop provider against Debian's ganeti-os-noop, alternating, in one cluster session. Each run
 * adds an instance (timed) and removes it again (timed apart; remove runs no OS script).
 * Prints the medians and `RATIO gnt-instance-add-noop <ours/peer> ...`; exits 1 above the limit.
 *
 *   npx tsx test/bench/ganeti-noop.ts [runs]
 */
import {
  INSTANCE_OPTS,
  down,
  hideOsDir,
  must,
  privateOsDir,
  showOsDir,
  up,
} from '../helpers/ganeti-harness.js';
import { OUR_OS_DIR, installOurs, requireBuild } from '../helpers/ganeti-ours.js';
import { median, report, timeIt, type RatioLine } from './lib.js';

const DEBIAN_OS_DIR = '/usr/share/ganeti/os';
export const LIMIT = 1.1;

export interface GanetiNoopResult extends RatioLine {
  /** Seconds per `gnt-instance add`, in run order. */
  addSeconds: { ours: number[]; peer: number[] };
  /** Median seconds per `gnt-instance remove -f`. */
  removeMedian: { ours: number; peer: number };
}

type Who = 'ours' | 'peer';

/** Makes exactly one noop visible to the cluster: ours (/srv/ganeti/os) or Debian's. */
async function select(who: Who): Promise<void> {
  await showOsDir(who === 'ours' ? OUR_OS_DIR : DEBIAN_OS_DIR);
  await hideOsDir(who === 'ours' ? DEBIAN_OS_DIR : OUR_OS_DIR);
}

async function addRemove(who: Who, name: string): Promise<{ add: number; remove: number }> {
  await select(who);
  const argv = ['gnt-instance', 'add', '-t', 'file', '--disk', '0:size=64M', '-o', 'noop', '--no-start'];
  const add = await timeIt(() => must([...argv, ...INSTANCE_OPTS, name]).then(() => undefined));
  const remove = await timeIt(() => must(['gnt-instance', 'remove', '-f', name]).then(() => undefined));
  return { add, remove };
}

/** Runs the benchmark in its own cluster session (up ... down); one line, like every bench here. */
export async function benchGanetiNoop(runs = 7, warmup = 1): Promise<GanetiNoopResult[]> {
  requireBuild();
  await up();
  try {
    await privateOsDir(OUR_OS_DIR);
    await installOurs(['noop'], { force: true });
    for (let i = 0; i < warmup; i++) {
      for (const who of ['ours', 'peer'] as const) await addRemove(who, `warm-${who}-${i}`);
    }
    const add = { ours: [] as number[], peer: [] as number[] };
    const remove = { ours: [] as number[], peer: [] as number[] };
    for (let i = 0; i < runs; i++) {
      // alternate who goes first, so neither always meets a warmer machine
      const order: Who[] = i % 2 === 0 ? ['ours', 'peer'] : ['peer', 'ours'];
      for (const who of order) {
        const t = await addRemove(who, `bench-${who}-${i}`);
        add[who].push(t.add);
        remove[who].push(t.remove);
      }
    }
    const line = report('gnt-instance-add-noop', add, LIMIT);
    const removeMedian = { ours: median(remove.ours), peer: median(remove.peer) };
    console.log(
      `  gnt-instance remove: ours median ${removeMedian.ours.toFixed(3)} s, peer median ${removeMedian.peer.toFixed(3)} s`,
    );
    return [{ ...line, addSeconds: add, removeMedian }];
  } finally {
    await down();
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const runs = Number(process.argv[2] ?? 7);
  const [r] = await benchGanetiNoop(runs);
  process.exitCode = r?.ok ? 0 : 1;
}
