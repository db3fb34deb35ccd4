/**
 * Drop-in compatibility: instance-debootstrap's own example hooks (as installed by the Debian
 * package in /usr/share/doc/ganeti-instance-debootstrap/examples), unchanged, in a CUSTOMIZE_DIR
 * named by a legacy /etc/default/ganeti-instance-debootstrap, run on a real guest. The grub example
 * needs apt in the guest and a real disk, so only its `. common.sh` prologue is exercised here.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { debootstrapLegacyMapping } from '../../../providers/debootstrap/legacy.js';
import { debootstrapSchema } from '../../../providers/debootstrap/schema.js';
import { providerHooksDir, resolveVariant } from '../../../src/config/index.js';
import { buildHookEnv, discoverHooks, runHooks } from '../../../src/hooks/index.js';
import { ExecRunner } from '../../../src/process/runner.js';
import { Logger, MemorySink } from '../../../src/runtime/logger.js';
import { ensureMinbaseTar, extractGuest, isRoot, scratch, teardown } from './guest.js';

const EXAMPLES = '/usr/share/doc/ganeti-instance-debootstrap/examples';
const RUNNABLE = ['defaultpasswords', 'hosts', 'interfaces', 'ssh-keys', 'timezone'];
const PUBKEY = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCganetiOsExampleKey== myuser@node\n';
// The ssh-keys example copies /home/$USER/.ssh/id_rsa.pub of the node (USER defaults to myuser).
const MYUSER_HOME = '/home/myuser';
let createdHome = false;

let dir: string;
let target: string;
let configRoot: string;
let customize: string;
let hooksTmp: string;

async function runCustomizeDir(ganetiVars: Record<string, string>) {
  const sink = new MemorySink();
  const log = new Logger('debug', sink);
  const resolved = await resolveVariant('debootstrap', 'bookworm', debootstrapSchema, {
    configRoot,
    legacy: { runner: new ExecRunner(log), mapping: debootstrapLegacyMapping },
  });
  const v = resolved.values;
  const plan = await discoverHooks({
    providerHooksDir: (v['customize-dir'] as string) || providerHooksDir('debootstrap', { configRoot }),
    useProviderHooks: v['provider-hooks'] as boolean,
    variantHooks: v['hooks'] as string[],
    log,
  });
  const env = buildHookEnv({
    ganetiVars,
    nics: [],
    phase: 'post-config',
    os: 'debootstrap',
    variant: 'bookworm',
    target,
    blockdev: '/dev/loop-not-used',
    fsysdev: '/dev/loop-not-used-p1',
    values: v,
    extra: {
      SUITE: v['suite'] as string,
      ARCH: 'amd64',
      PARTITION_STYLE: v['partition-style'] as string,
      EXTRA_PKGS: (v['extra-pkgs'] as string[]).join(','),
    },
  });
  await runHooks(plan, 'post-config', { env, target, log, tmpDir: hooksTmp });
  return { resolved, plan, lines: sink.lines };
}

const haveExamples = existsSync(EXAMPLES);

beforeAll(() => {
  if (!isRoot) return;
  ensureMinbaseTar();
  if (!existsSync(MYUSER_HOME)) {
    mkdirSync(path.join(MYUSER_HOME, '.ssh'), { recursive: true });
    writeFileSync(path.join(MYUSER_HOME, '.ssh/id_rsa.pub'), PUBKEY);
    createdHome = true;
  }
});
afterAll(() => {
  if (createdHome) rmSync(MYUSER_HOME, { recursive: true, force: true });
});

beforeEach(() => {
  dir = scratch('gos-idexamples-');
  target = extractGuest(dir);
  hooksTmp = path.join(dir, 'tmp');
  mkdirSync(hooksTmp);
  configRoot = path.join(dir, 'etc/ganeti');
  customize = path.join(dir, 'customize');
  mkdirSync(path.join(configRoot, 'instance-debootstrap/variants'), { recursive: true });
  mkdirSync(path.join(dir, 'etc/default'));
  writeFileSync(
    path.join(dir, 'etc/default/ganeti-instance-debootstrap'),
    `CUSTOMIZE_DIR="${customize}"\nSUITE=bookworm\n`,
  );
  writeFileSync(path.join(configRoot, 'instance-debootstrap/variants/default.conf'), '');
  mkdirSync(customize);
});
afterEach(() => {
  expect(teardown(dir, { emptyDirs: [hooksTmp] })).toEqual([]);
});

describe.skipIf(!isRoot || !haveExamples)(
  "instance-debootstrap's example hooks, unchanged, from CUSTOMIZE_DIR",
  () => {
    it('hosts, interfaces, timezone, defaultpasswords and ssh-keys run and do what they did under run-parts', async () => {
      for (const f of RUNNABLE) {
        cpSync(path.join(EXAMPLES, f), path.join(customize, f));
        chmodSync(path.join(customize, f), 0o755); // the package ships them as documentation (0644)
      }
      cpSync(path.join(EXAMPLES, 'confdata'), path.join(customize, 'confdata'), { recursive: true });
      for (const f of RUNNABLE)
        expect(readFileSync(path.join(customize, f))).toEqual(readFileSync(path.join(EXAMPLES, f)));
      mkdirSync(path.join(target, 'etc/network'), { recursive: true }); // the provider writes /etc/network/interfaces before hooks run
      // bookworm's tzdata prefers an existing /etc/localtime link over /etc/timezone, which defeats the
      // old example (fixed upstream in 0.17); without the link it honours the file the hook copied.
      rmSync(path.join(target, 'etc/localtime'));

      const { resolved, plan, lines } = await runCustomizeDir({
        INSTANCE_NAME: 'vm1.example.org',
        NIC_COUNT: '1',
        NIC_0_MAC: 'aa:00:00:00:00:01',
      });
      expect(resolved.values['customize-dir']).toBe(customize);
      expect(resolved.provenance['customize-dir']).toEqual({
        legacy: path.join(dir, 'etc/default/ganeti-instance-debootstrap'),
        variable: 'CUSTOMIZE_DIR',
      });
      expect(plan.phases['post-config'].map((h) => h.name)).toEqual(RUNNABLE);

      // hosts: appends to /etc/host (sic: the example's own typo)
      expect(readFileSync(path.join(target, 'etc/host'), 'utf8')).toBe('127.0.1.1\t\tvm1.example.org vm1\n');
      // interfaces: eth0 by DHCP
      expect(readFileSync(path.join(target, 'etc/network/interfaces'), 'utf8')).toContain(
        'auto eth0\niface eth0 inet dhcp\n',
      );
      // timezone: confdata/timezone read relative to the cwd, i.e. the hook's directory
      expect(readFileSync(path.join(target, 'etc/timezone'), 'utf8')).toBe('Europe/Brussels\n');
      expect(readlinkSync(path.join(target, 'etc/localtime'))).toBe('/usr/share/zoneinfo/Europe/Brussels');
      expect(existsSync('/etc/timezone') ? readFileSync('/etc/timezone', 'utf8') : '').not.toBe(
        'Europe/Brussels\n',
      ); // not the node's file
      // defaultpasswords: root:s3cr3t via chpasswd (hashed by the guest's own PAM settings)
      const hash = readFileSync(path.join(target, 'etc/shadow'), 'utf8').match(/^root:([^:]+):/m)![1]!;
      expect(hash).toMatch(/^\$/);
      const again = execFileSync('chroot', [
        target,
        'perl',
        '-e',
        'print crypt($ARGV[0], $ARGV[1])',
        's3cr3t',
        hash,
      ]).toString();
      expect(again).toBe(hash);
      // ssh-keys: the node user's public key
      expect(readFileSync(path.join(target, 'root/.ssh/authorized_keys'), 'utf8')).toBe(
        readFileSync(path.join(MYUSER_HOME, '.ssh/id_rsa.pub'), 'utf8'),
      );
      expect(lines.some((l) => l.startsWith('[hosts] '))).toBe(true); // its stderr ("integer expression expected") is logged, prefixed
    });

    it("the grub example's `. common.sh` prologue works (log_error, CLEANUP, cleanup on EXIT)", async () => {
      const grub = readFileSync(path.join(EXAMPLES, 'grub'), 'utf8');
      expect(grub).toContain('\n. common.sh\n');
      // The grub example up to its apt-get line (what can run without apt and a disk), then a cleanup.
      const prologue = grub.slice(0, grub.indexOf('# install grub'));
      writeFileSync(
        path.join(customize, '10-grub-prologue'),
        `${prologue}touch "$TARGET/grub-marker"\nCLEANUP+=("rm -f $TARGET/grub-marker")\nlog_error "prologue ok: $CUSTOMIZE_DIR"\ncleanup\ntrap - EXIT\nexit 0\n`,
      );
      chmodSync(path.join(customize, '10-grub-prologue'), 0o755);
      const { lines } = await runCustomizeDir({ INSTANCE_NAME: 'vm1' });
      expect(lines).toContain(`[10-grub-prologue] prologue ok: ${customize}`);
      expect(existsSync(path.join(target, 'grub-marker'))).toBe(false);
    });
  },
);
