/**
 * The guix provider's configuration side against a REAL guix (Debian sid's guix 1.5.0 in the root
 * scripts/guix-chroot.sh builds): every shipped variant and a matrix of parameters is evaluated
 * with `guix system build -d --no-substitutes` on the exact instance-data file the provider writes
 * for a Ganeti instance; hostile values stay data; system and target are checked against guix's
 * own lists; the failures of time-machine, of an unsupported system and of a broken configuration
 * end in one line. Evaluation computes the system derivation and builds nothing (5-15 s each).
 * Without the root these tests are skipped with the reason, never passed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeGuixFailure,
  systemDeriveArgv,
  type GuixCommandOptions,
} from '../../../providers/guix/argv.js';
import {
  INSTANCE_DATA_ENV,
  instanceFacts,
  LIBRARY_ENV,
  LIBRARY_GUEST_PATH,
  renderHostnameFile,
  renderInstanceData,
  type InstanceFactsInput,
} from '../../../providers/guix/instance-data.js';
import { luksName } from '../../../providers/guix/plan.js';
import { checkSystemAndTarget } from '../../../providers/guix/verify.js';
import { ExecRunner } from '../../../src/process/runner.js';
import type { Runner } from '../../../src/process/types.js';
import type { OsError } from '../../../src/runtime/errors.js';
import { Logger } from '../../../src/runtime/logger.js';
import { guixRoot, startGuix, type GuixSession } from '../../helpers/guix-real.js';
import {
  ESP_UUID,
  ganetiInstance,
  HOME_UUID,
  LUKS_UUID,
  ROOT_UUID,
  shippedConfig,
  shippedLibrary,
  SWAP_UUID,
} from './fixture.js';

const { ready, reason } = guixRoot();
const DRV = /^\/gnu\/store\/[a-z0-9]{32}-system\.drv$/;
const OPTS: GuixCommandOptions = {
  guix: 'guix',
  revision: { disableAuthentication: false },
  substituteUrls: [],
};

const HOSTILE_COMMENT = `x") (system* "touch" "/tmp/pwned") ("#.(system "touch /tmp/pwned2") ;; \\" \u00e9`;
const KEYS = [
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBm8JpE3p3mD7m0xkOq5b8v2rF1o4GZ1E5pMvU0xQ1bC admin@example.org',
  `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostileKeyComment ${HOSTILE_COMMENT}`,
];

const threeNics = [
  {
    mac: 'aa:00:00:11:22:33',
    ip: '192.0.2.10',
    subnet: '192.0.2.0/24',
    gateway: '192.0.2.1',
    subnet6: '2001:db8:1::/64',
    gateway6: '2001:db8:1::1',
  },
  { mac: 'aa:00:00:11:22:34' }, // no address: DHCP
  { mac: 'aa:00:00:11:22:35', ip: '2001:db8:5::7', subnet6: '2001:db8:5::/64', gateway6: '2001:db8:5::1' },
];

interface Case {
  name: string;
  variant: 'default.scm' | 'server.scm';
  input: () => InstanceFactsInput;
  system?: string;
}

const cases: Case[] = [
  {
    name: 'default: ext4, BIOS, three NICs (IPv4+IPv6 static, DHCP, IPv6 only), serial console, hostile key comment',
    variant: 'default.scm',
    input: () => ({
      instance: ganetiInstance({ name: 'web1.example.org', nics: threeNics, hv: { serial_console: 'True' } }),
      disk: { root: { uuid: ROOT_UUID, type: 'ext4' }, layout: 'plain', esp: { uuid: ESP_UUID } },
      firmware: 'bios',
      sshAuthorizedKeys: KEYS,
      nameservers: ['192.0.2.53', '2001:db8::53'],
      timezone: 'Europe/Berlin',
    }),
  },
  {
    name: 'default: xfs, UEFI, swap, no NIC, no serial console, no keys',
    variant: 'default.scm',
    input: () => ({
      instance: ganetiInstance({ name: 'bare', nics: [] }),
      disk: {
        root: { uuid: ROOT_UUID, type: 'xfs' },
        layout: 'plain',
        swap: { uuid: SWAP_UUID },
        esp: { uuid: ESP_UUID },
      },
      firmware: 'uefi',
    }),
  },
  {
    name: 'default: btrfs subvolumes, BIOS on the node device (install-time file), LUKS, Xen console',
    variant: 'default.scm',
    input: () => ({
      instance: ganetiInstance({
        name: 'create-lvm-luks.example.org',
        hypervisor: 'xen-pvm',
        nics: [{ mac: 'aa:00:00:00:00:01', ip: '198.51.100.7', subnet: '198.51.100.0/25' }],
      }),
      disk: {
        root: { uuid: ROOT_UUID, type: 'btrfs' },
        layout: 'btrfs-subvolumes',
        subvolumes: { root: '@', home: '@home' },
        luks: { uuid: LUKS_UUID, name: luksName('create-lvm-luks.example.org') },
        esp: { uuid: ESP_UUID },
      },
      firmware: 'bios',
      bootloaderTargets: ['/dev/loop7'],
    }),
  },
  {
    name: 'server: btrfs subvolumes, two NICs with gateways (one default route per family), serial',
    variant: 'server.scm',
    input: () => ({
      instance: ganetiInstance({
        name: 'db2',
        nics: [
          threeNics[0]!,
          { mac: 'aa:00:00:11:22:36', ip: '203.0.113.9', subnet: '203.0.113.0/24', gateway: '203.0.113.1' },
        ],
        hv: { serial_console: 'true' },
      }),
      disk: {
        root: { uuid: ROOT_UUID, type: 'btrfs' },
        layout: 'btrfs-subvolumes',
        subvolumes: { root: '@', home: '@home' },
        swap: { uuid: SWAP_UUID },
        esp: { uuid: ESP_UUID },
      },
      firmware: 'bios',
      sshAuthorizedKeys: KEYS.slice(0, 1),
    }),
  },
  {
    name: 'server: ext4, UEFI, a separate /home filesystem, DHCP',
    variant: 'server.scm',
    input: () => ({
      instance: ganetiInstance({ name: 'files3', nics: [{ mac: 'aa:00:00:11:22:37' }] }),
      disk: {
        root: { uuid: ROOT_UUID, type: 'ext4', label: 'guix-root' },
        layout: 'plain',
        home: { uuid: HOME_UUID, type: 'ext4' },
        esp: { uuid: ESP_UUID },
      },
      firmware: 'uefi',
      timezone: 'America/Argentina/Buenos_Aires',
    }),
  },
  {
    name: 'default: --system=i686-linux',
    variant: 'default.scm',
    system: 'i686-linux',
    input: () => ({
      instance: ganetiInstance({ name: 'old32', nics: [{ mac: 'aa:00:00:11:22:38' }] }),
      disk: { root: { uuid: ROOT_UUID, type: 'ext4' }, layout: 'plain', esp: { uuid: ESP_UUID } },
      firmware: 'bios',
    }),
  },
];

/** A Runner that runs the guix of the real root (for verify's executor). */
function chrootRunner(s: GuixSession): Runner {
  return {
    async run(cmd, args) {
      const r = await s.run([cmd, ...args]);
      return { ...r, failed: r.exitCode !== 0 };
    },
  };
}

describe.skipIf(!ready)(ready ? 'guix provider against a real guix' : `real guix: SKIPPED, ${reason}`, () => {
  let s: GuixSession;
  const dir = '/root/ganeti-os-test';
  const log = new Logger('error');

  beforeAll(async () => {
    s = await startGuix();
    console.log(`real guix: ${s.version} in ${s.root}`);
    for (const v of ['default', 'server']) s.writeFile(`${dir}/${v}.scm`, shippedConfig(v));
  });

  afterAll(async () => {
    if (!s) return;
    rmSync(join(s.root, dir), { recursive: true, force: true });
    rmSync(join(s.root, 'etc/ganeti-os'), { recursive: true, force: true });
    await s.stop();
    expect(s.leaks()).toEqual([]);
  });

  /**
   * `guix system build -d` of a configuration, with the instance data and the library where the
   * installer puts them (files named by the environment), or without them (the guest's copies).
   */
  async function derive(
    config: string,
    data: string | undefined,
    system?: string,
    library = shippedLibrary(),
  ) {
    const env: Record<string, string> = {};
    if (data !== undefined) {
      env[INSTANCE_DATA_ENV] = s.writeFile(`${dir}/instance-data.scm`, data);
      env[LIBRARY_ENV] = s.writeFile(`${dir}/ganeti-os.scm`, library);
    }
    const argv = systemDeriveArgv({ ...OPTS, ...(system ? { system } : {}) }, config);
    return { argv, ...(await s.run(argv, { env })) };
  }

  it.each(cases)('evaluates $name', async (c) => {
    const data = renderInstanceData(instanceFacts(c.input()));
    const r = await derive(`${dir}/${c.variant}`, data, c.system);
    if (r.exitCode !== 0) throw describeGuixFailure(r.stderr, r.argv);
    expect(r.stdout.trim()).toMatch(DRV);
    // no warning either (nss-certs is in %base-packages since 1.5)
    expect(r.stderr.replace(/GC Warning:.*\n/g, '')).toBe('');
  });

  it('hands the LUKS mapping name to the boot-time code unchanged (no `-` for device-mapper to double)', async () => {
    const c = cases.find((x) => x.input().disk.luks)!;
    const name = c.input().disk.luks!.name;
    expect(name).not.toContain('-');
    const r = await derive(`${dir}/${c.variant}`, renderInstanceData(instanceFacts(c.input())));
    if (r.exitCode !== 0) throw describeGuixFailure(r.stderr, r.argv);
    // The derivations' builders (text in the store) open the container under exactly that name.
    const hits = execFileSync('grep', ['-rlF', '--', `"${name}"`, join(s.root, 'gnu/store')], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    })
      .split('\n')
      .filter(Boolean);
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.some((h) => /luks/i.test(readFileSync(h, 'latin1')))).toBe(true);
  });

  it('finds the guest copies of the instance data and the library in /etc/ganeti-os without the variables', async () => {
    const data = renderInstanceData(instanceFacts(cases[0]!.input()));
    s.writeFile('/etc/ganeti-os/instance-data.scm', data);
    s.writeFile(LIBRARY_GUEST_PATH, shippedLibrary());
    s.writeFile('/etc/ganeti-os/hostname', renderHostnameFile('web1-renamed.example.org'));
    const r = await derive(`${dir}/default.scm`, undefined);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(DRV);
  });

  it('keeps hostile values as data: Guile reads back exactly the strings written, nothing runs', async () => {
    const hostile = [
      HOSTILE_COMMENT,
      'a\nb\r\t\x00\x1b;\x7f',
      '")(exit 7)("',
      '#.(exit 8)',
      '\\',
      '😀 \u2028 é',
    ];
    const f = { ...instanceFacts(cases[0]!.input()), sshAuthorizedKeys: hostile, timezone: hostile[2]! };
    s.writeFile(`${dir}/hostile.scm`, renderInstanceData(f));
    const r = await s.run([
      'guile',
      '--no-auto-compile',
      '-c',
      `(primitive-load "${dir}/hostile.scm")
       (for-each (lambda (s) (display (map char->integer (string->list s))) (newline))
                 (append ganeti-ssh-authorized-keys (list ganeti-timezone)))`,
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    const codes = (t: string) => `(${Array.from(t, (c) => c.codePointAt(0)).join(' ')})`;
    expect(r.stdout.trim().split('\n')).toEqual([...hostile, hostile[2]!].map(codes));
    expect(existsSync(join(s.root, 'tmp/pwned'))).toBe(false);
    expect(existsSync(join(s.root, 'tmp/pwned2'))).toBe(false);
  });

  it('checks system and target against the real lists (verify), and skips without a guix', async () => {
    const runner = chrootRunner(s);
    await checkSystemAndTarget({ system: 'i686-linux', target: 'aarch64-linux-gnu' }, 'guix', runner, log);
    const refused = async (p: { system?: string; target?: string }) => {
      try {
        await checkSystemAndTarget(p, 'guix', runner, log);
      } catch (e) {
        return e as OsError;
      }
      throw new Error(`${JSON.stringify(p)} was accepted`);
    };
    const sys = await refused({ system: 'foo-linux' });
    expect(sys.code).toBe('E_GUIX_SYSTEM');
    expect(sys.hint).toContain('x86_64-linux');
    const tgt = await refused({ target: 'bogus-triplet' });
    expect(tgt.code).toBe('E_GUIX_SYSTEM');
    expect(tgt.hint).toContain('aarch64-linux-gnu');
    await checkSystemAndTarget({ system: 'foo-linux' }, '/nonexistent/guix', new ExecRunner(log), log);
  });

  it('reports an unsupported system of guix itself in one line', async () => {
    const data = renderInstanceData(instanceFacts(cases[5]!.input()));
    const r = await derive(`${dir}/default.scm`, data, 'foo-linux');
    expect(r.exitCode).not.toBe(0);
    const e = describeGuixFailure(r.stderr, r.argv);
    expect(e.code).toBe('E_GUIX_SYSTEM');
    expect(e.oneLine()).toMatch(
      /^error\[E_GUIX_SYSTEM\]: guix system build -d failed: 'foo-linux' is not a supported system \(hint: /,
    );
  });

  it('reports a broken configuration with its file and line', async () => {
    const broken = shippedConfig('server').replace(
      '(service ntp-service-type)',
      '(service ntp-servise-type)',
    );
    s.writeFile(`${dir}/broken.scm`, broken);
    const data = renderInstanceData(instanceFacts(cases[5]!.input()));
    const r = await derive(`${dir}/broken.scm`, data);
    expect(r.exitCode).not.toBe(0);
    const e = describeGuixFailure(r.stderr, r.argv);
    console.log(`broken configuration: ${e.oneLine()}`);
    expect(e.code).toBe('E_GUIX_CONFIG');
    const line = broken.split('\n').findIndex((l) => l.includes('ntp-servise-type')) + 1;
    expect(e.message).toMatch(new RegExp(`broken\\.scm:${line}:\\d+: ntp-servise-type: unbound variable$`));
  });

  it('reports a broken library in one line', async () => {
    const broken = shippedLibrary().replace('(service openssh-service-type', '(service openssh-servise-type');
    const data = renderInstanceData(instanceFacts(cases[5]!.input()));
    const r = await derive(`${dir}/default.scm`, data, undefined, broken);
    expect(r.exitCode).not.toBe(0);
    const e = describeGuixFailure(r.stderr, r.argv);
    console.log(`broken library: ${e.oneLine()}`);
    expect(e.code).toBe('E_GUIX_CONFIG');
    expect(e.message).toMatch(/ganeti-os\.scm:\d+:\d+: openssh-servise-type: unbound variable$/);
  });

  it('ends a time-machine that cannot reach its channel in one line, fast', async () => {
    const argv = systemDeriveArgv(
      {
        ...OPTS,
        revision: {
          repoUri: 'https://example.invalid/guix.git',
          commit: '0123456789abcdef0123456789abcdef01234567',
          disableAuthentication: true,
        },
      },
      `${dir}/default.scm`,
    );
    const t = Date.now();
    const r = await s.run(argv, { timeoutMs: 60_000 });
    expect(Date.now() - t).toBeLessThan(30_000);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/Backtrace|error:/);
    const e = describeGuixFailure(r.stderr, argv);
    console.log(`unreachable channel: ${e.oneLine()}`);
    expect(e.code).toBe('E_GUIX_CHANNEL');
    expect(e.message).toBe(
      'guix system build -d (time-machine to commit 0123456789abcdef0123456789abcdef01234567 of https://example.invalid/guix.git) failed: cannot reach the channel: failed to resolve address for example.invalid: Name or service not known',
    );
  });

  it('names an unknown commit of a reachable channel', async () => {
    // a one-commit local channel, copied into the root
    const host = mkdtempSync(join(tmpdir(), 'ganeti-os-guix-chan-'));
    try {
      const git = (...a: string[]) =>
        execFileSync('git', ['-C', host, '-c', 'user.name=t', '-c', 'user.email=t@example.org', ...a], {
          encoding: 'utf8',
        });
      git('init', '-q', '-b', 'master');
      s.writeFile(`${dir}/chan-readme`, '');
      execFileSync('cp', [join(s.root, dir, 'chan-readme'), join(host, 'README')]);
      git('add', 'README');
      git('commit', '-q', '-m', 'one');
      execFileSync('cp', ['-a', host, join(s.root, dir, 'chan')]);
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
    for (const commit of ['0123456789abcdef0123456789abcdef01234567', undefined]) {
      const argv = systemDeriveArgv(
        {
          ...OPTS,
          revision: {
            repoUri: `file://${dir}/chan`,
            ...(commit ? { commit } : { branch: 'master' }),
            disableAuthentication: true,
          },
        },
        `${dir}/default.scm`,
      );
      const r = await s.run(argv, { timeoutMs: 60_000 });
      expect(r.exitCode).not.toBe(0);
      const e = describeGuixFailure(r.stderr, argv);
      console.log(`local channel (${commit ?? 'master'}): ${e.oneLine()}`);
      expect(e.code).toBe('E_GUIX_COMMIT');
      expect(e.oneLine()).not.toContain('\n');
    }
  });
});
