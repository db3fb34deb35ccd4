/**
 * The Debian package on a stock Debian 12 whose only node is Debian's own nodejs (18.x), next to
 * Debian's ganeti-instance-debootstrap and ganeti-os-noop: built with `npm run deb`, installed with
 * apt (Depends resolved from the archive), then the CLI, `ganeti-os install`, the checks
 * `gnt-os diagnose` makes of each OS directory, `verify` of every provider and a noop
 * create/export/import on loop devices, all run inside that system.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOREIGN_PATHS, LAYOUT } from '../../../scripts/deb-control.js';
import { isRoot } from '../../helpers/disk.js';
import { ensureDebRoot, OverlayRoot } from './chroot.js';
import { diagnoseOsDir } from './os-dir-check.js';

const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const TEST_OS_DIR = '/srv/test-os';
const PEER_OS_DIR = '/usr/share/ganeti/os';

let out: string;
let deb: string;
let sys: OverlayRoot | undefined;
const loops: string[] = [];

const root = (): OverlayRoot => sys!;

describe.skipIf(!isRoot)('the Debian package', () => {
  beforeAll(() => {
    out = mkdtempSync('/var/tmp/ganeti-os-deb-out-');
    // The system tests' global setup built dist/ just now.
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/deb.ts', '--no-build', '--out', out], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    deb = join(out, `ganeti-os_${VERSION}_all.deb`);
    sys = OverlayRoot.open(ensureDebRoot());
  }, 600_000);

  afterAll(() => {
    for (const l of loops.splice(0)) spawnSync('losetup', ['-d', l]);
    sys?.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('declares its dependencies and ships no file of Ganeti or of the peer packages', () => {
    const field = (f: string): string =>
      execFileSync('dpkg-deb', ['-f', deb, f], { encoding: 'utf8' }).trim();
    expect(field('Package')).toBe('ganeti-os');
    expect(field('Version')).toBe(VERSION);
    expect(field('Architecture')).toBe('all');
    expect(field('Depends')).toMatch(/^nodejs \(>= 18\.19\), util-linux, .*e2fsprogs/);
    expect(field('Recommends')).toContain('qemu-utils');
    expect(field('Suggests')).toBe('ganeti');
    const listing = execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(/\s+/).slice(5).join(' ').replace(/^\./, '').replace(/\/$/, '') || '/');
    for (const p of listing) {
      expect(
        FOREIGN_PATHS.some((f) => p === f || p.startsWith(`${f}/`)),
        p,
      ).toBe(false);
    }
    expect(listing).toEqual(
      expect.arrayContaining([
        LAYOUT.launcher,
        LAYOUT.man,
        `${LAYOUT.share}/dist/ganeti-os.mjs`,
        `${LAYOUT.share}/dist/script.cjs`,
        `${LAYOUT.share}/variants/debootstrap/default.yaml`,
        `${LAYOUT.share}/hooks/hosts`,
        `${LAYOUT.doc}/copyright`,
        `${LAYOUT.doc}/changelog.gz`,
      ]),
    );
    // No maintainer scripts: installing never touches Ganeti's OS directories.
    const control = execFileSync('sh', ['-c', 'dpkg-deb --ctrl-tarfile "$1" | tar -t', 'sh', deb], {
      encoding: 'utf8',
    });
    expect(control.split('\n').filter(Boolean).sort()).toEqual(['./', './control', './md5sums']);
  });

  it('has a man page that renders without warnings', () => {
    const page = execFileSync('dpkg-deb', ['--fsys-tarfile', deb]);
    const tmp = mkdtempSync('/var/tmp/ganeti-os-man-');
    try {
      writeFileSync(join(tmp, 'p.tar'), page);
      execFileSync('tar', ['-xf', join(tmp, 'p.tar'), '-C', tmp, `.${LAYOUT.man}`]);
      const roff = execFileSync('zcat', [join(tmp, `.${LAYOUT.man}`)], { encoding: 'utf8' });
      expect(roff).toContain('.SS "ganeti\\-os install [options] [names...]"');
      const r = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: roff, encoding: 'utf8' });
      if (!r.error) expect(r.stderr).toBe(''); // groff-base (priority important) may be absent
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('installs with apt beside ganeti-instance-debootstrap and ganeti-os-noop, leaving them intact', () => {
    const peerFiles = (): string =>
      root().must(['sh', '-c', `find ${PEER_OS_DIR} /etc/ganeti -exec ls -ld --time-style=+%s {} + | sort`]);
    const before = peerFiles();
    copyFileSync(deb, root().path('/tmp/ganeti-os.deb'));
    root().must(['apt-get', 'install', '-y', '-q', '--no-install-recommends', '/tmp/ganeti-os.deb'], {
      env: { DEBIAN_FRONTEND: 'noninteractive' },
    });
    expect(root().must(['dpkg-query', '-W', '-f', '${Status}\n', 'ganeti-os'])).toBe(
      'install ok installed\n',
    );
    // The peers: still installed, none of their files changed (dpkg -V prints nothing), same tree.
    expect(root().must(['dpkg', '-V', 'ganeti-instance-debootstrap', 'ganeti-os-noop'])).toBe('');
    expect(peerFiles()).toBe(before);
  });

  it("runs on Debian's own node 18", () => {
    expect(root().must(['node', '--version'])).toMatch(/^v18\./);
    expect(root().must(['dpkg', '-S', '/usr/bin/node'])).toMatch(/^nodejs:/);
    expect(root().must(['ganeti-os', '--version']).trim()).toBe(VERSION);
    expect(root().must(['ganeti-os', '--help'])).toContain('install [options] [names...]');
  });

  it('explains the name clash with the peer packages and installs under another name', () => {
    // No Ganeti in this root: ganeti-os assumes Ganeti's default search path, /srv/ganeti/os first.
    const r = root().run(['ganeti-os', 'install', 'noop']);
    expect(r.code).toBe(1);
    const last = r.stderr.trim().split('\n').at(-1)!;
    expect(last).toContain(
      'error[E_OS_DUPLICATE]: /usr/share/ganeti/os/noop (Debian package ganeti-os-noop) already provides an OS named noop',
    );
    expect(last).toContain('/srv/ganeti/os/noop would shadow /usr/share/ganeti/os/noop');
    expect(last).toContain('--as <name>');
    expect(last).toContain('apt remove ganeti-os-noop');
    expect(last).toContain('--force');
    expect(existsSync(root().path('/srv/ganeti/os/noop'))).toBe(false);

    expect(root().must(['ganeti-os', 'install', 'noop', '--as', 'gos-noop'])).toContain(
      'installed gos-noop in /srv/ganeti/os/gos-noop',
    );
    const d = diagnoseOsDir(root().dir, '/srv/ganeti/os/gos-noop');
    expect(d).toMatchObject({ valid: true, trusted: true });
  });

  it('installs every provider into a search directory, each OS directory as gnt-os diagnose wants it', () => {
    const o = root().must(['ganeti-os', 'install', '--os-dir', TEST_OS_DIR, '--search-path', TEST_OS_DIR]);
    const names = readdirSync(root().path(TEST_OS_DIR)).sort();
    expect(names).toEqual(expect.arrayContaining(['debootstrap', 'image', 'noop']));
    for (const n of names) {
      expect(o).toContain(`installed ${n} in ${TEST_OS_DIR}/${n}`);
      const d = diagnoseOsDir(root().dir, `${TEST_OS_DIR}/${n}`);
      expect(d, n).toMatchObject({ valid: true, message: '', trusted: true });
      expect(d.apiVersions.length, n).toBeGreaterThan(0);
      if (Math.max(...d.apiVersions) >= 20) expect(d.variants.length, n).toBeGreaterThan(0);
    }
    // The scripts run Debian's node, named by an absolute path.
    expect(readFileSync(root().path('/usr/local/lib/ganeti-os/script.cjs'), 'utf8')).toMatch(
      /^#!\/usr\/bin\/node\n/,
    );
    // The peers' directories are still valid too.
    for (const n of ['debootstrap', 'noop'])
      expect(diagnoseOsDir(root().dir, `${PEER_OS_DIR}/${n}`).valid, n).toBe(true);
  });

  it('verify accepts the default variant of every provider', () => {
    for (const n of readdirSync(root().path(TEST_OS_DIR)).sort()) {
      const d = diagnoseOsDir(root().dir, `${TEST_OS_DIR}/${n}`);
      const api = Math.max(...d.apiVersions.filter((v) => [10, 15, 20].includes(v)));
      if (api < 20) continue; // Ganeti runs verify for API 20 only
      const r = root().run(['sh', '-c', `cd ${TEST_OS_DIR}/${n} && exec ./verify parameters`], {
        env: { OS_API_VERSION: String(api), OS_NAME: n, OS_VARIANT: d.variants[0] ?? '', DEBUG_LEVEL: '0' },
      });
      expect({ n, code: r.code, out: r.stdout.toString() + r.stderr }).toEqual({ n, code: 0, out: '' });
    }
  });

  it('creates, exports and imports a noop instance on loop devices', () => {
    const data = randomBytes(4 << 20);
    writeFileSync(root().path('/tmp/disk0.img'), data);
    writeFileSync(root().path('/tmp/disk1.img'), Buffer.alloc(4 << 20));
    for (const f of ['disk0.img', 'disk1.img']) {
      loops.push(
        execFileSync('losetup', ['--find', '--show', root().path(`/tmp/${f}`)], { encoding: 'utf8' }).trim(),
      );
    }
    const [src, dst] = loops as [string, string];
    const env = (disk: string): Record<string, string> => ({
      OS_API_VERSION: '15',
      OS_NAME: 'noop',
      OS_VARIANT: '',
      DEBUG_LEVEL: '0',
      INSTANCE_NAME: 'inst1.example.org',
      INSTANCE_OS: 'noop',
      INSTANCE_UUID: '2a7f4e57-5d0b-4c5b-9a36-6c1d8b1e0f00',
      HYPERVISOR: 'kvm',
      DISK_COUNT: '1',
      DISK_0_PATH: disk,
      DISK_0_ACCESS: 'rw',
      DISK_0_SIZE: '4',
      DISK_0_UUID: 'd0',
      DISK_0_BACKEND_TYPE: 'block',
      NIC_COUNT: '0',
    });
    const script = (name: string, redirs: string): string[] => [
      '/bin/bash',
      '-c',
      `cd ${TEST_OS_DIR}/noop && exec ./${name} ${redirs}`,
    ];
    root().must(script('create', '< /dev/null'), { env: env(src) });

    const exp = root().run(script('export', '< /dev/null 11>&3'), {
      env: { ...env(src), EXPORT_INDEX: '0', EXPORT_DEVICE: src, EXPORT_DISK_PATH: src, EXP_SIZE_FD: '11' },
      fd3: true,
    });
    expect(exp.code, exp.stderr).toBe(0);
    expect(exp.fd3).toBe(`${data.length}\n`);
    expect(exp.stdout.equals(data)).toBe(true);

    root().must(script('import', ''), {
      env: { ...env(dst), IMPORT_INDEX: '0', IMPORT_DEVICE: dst, IMPORT_DISK_PATH: dst },
      input: exp.stdout,
    });
    execFileSync('sync');
    expect(readFileSync(root().path('/tmp/disk1.img')).equals(data)).toBe(true);
  });
});
