import { describe, expect, it } from 'vitest';
import {
  describeGuixFailure,
  guixPrefix,
  listArgv,
  systemBuildArgv,
  systemDeriveArgv,
  systemInitArgv,
  type GuixCommandOptions,
} from './argv.js';
import { checkListed, parseGuixList } from './systems.js';

const base: GuixCommandOptions = { guix: '/usr/bin/guix', revision: { disableAuthentication: false } };

describe('guix argument vectors', () => {
  it('runs the installed guix unless the revision travels', () => {
    expect(guixPrefix(base)).toEqual(['/usr/bin/guix']);
    // disable_authentication alone does not travel
    expect(guixPrefix({ ...base, revision: { disableAuthentication: true } })).toEqual(['/usr/bin/guix']);
  });

  it('travels with time-machine, every value one argument', () => {
    const o: GuixCommandOptions = {
      ...base,
      revision: {
        commit: 'abc1234',
        branch: 'wip/x',
        repoUri: 'https://e.org/g.git',
        disableAuthentication: true,
      },
      substituteUrls: [],
    };
    expect(guixPrefix(o)).toEqual([
      '/usr/bin/guix',
      'time-machine',
      '--url=https://e.org/g.git',
      '--commit=abc1234',
      '--branch=wip/x',
      '--disable-authentication',
      '--no-substitutes',
      '--',
    ]);
    const evil = guixPrefix({
      ...base,
      revision: { commit: 'x --no-substitutes; reboot', disableAuthentication: false },
    });
    expect(evil).toEqual(['/usr/bin/guix', 'time-machine', '--commit=x --no-substitutes; reboot', '--']);
  });

  it('builds, derives and inits with the same system, target and substitutes (no --no-grafts)', () => {
    const o: GuixCommandOptions = {
      ...base,
      system: 'i686-linux',
      target: 'aarch64-linux-gnu',
      substituteUrls: ['https://a.example', 'https://b.example'],
    };
    const common = [
      '--system=i686-linux',
      '--target=aarch64-linux-gnu',
      '--substitute-urls=https://a.example https://b.example',
    ];
    expect(systemBuildArgv(o, '/c.scm', '/var/guix/gcroots/ganeti-os/web1')).toEqual([
      '/usr/bin/guix',
      'system',
      'build',
      ...common,
      '--root=/var/guix/gcroots/ganeti-os/web1',
      '/c.scm',
    ]);
    expect(systemDeriveArgv(o, '/c.scm')).toEqual([
      '/usr/bin/guix',
      'system',
      'build',
      '-d',
      ...common,
      '/c.scm',
    ]);
    expect(systemInitArgv(o, '/c.scm', '/mnt/t', { skipChecks: true })).toEqual([
      '/usr/bin/guix',
      'system',
      'init',
      ...common,
      '--skip-checks',
      '/c.scm',
      '/mnt/t',
    ]);
    for (const argv of [systemBuildArgv(o, '/c', '/r'), systemInitArgv(o, '/c', '/t')]) {
      expect(argv).not.toContain('--no-grafts');
    }
    expect(systemDeriveArgv({ ...base, substituteUrls: [] }, '/c.scm')).toContain('--no-substitutes');
    expect(systemDeriveArgv(base, '/c.scm')).toEqual(['/usr/bin/guix', 'system', 'build', '-d', '/c.scm']);
  });

  it('refuses relative paths (an option-looking path never reaches guix)', () => {
    expect(() => systemDeriveArgv(base, '--version')).toThrow(/absolute/);
    expect(() => systemInitArgv(base, '/c.scm', 'mnt')).toThrow(/absolute/);
    expect(() => systemBuildArgv(base, '/c.scm', '-r')).toThrow(/absolute/);
  });

  it('lists systems and targets', () => {
    expect(listArgv('guix', 'systems')).toEqual(['guix', 'build', '--list-systems']);
    expect(listArgv('guix', 'targets')).toEqual(['guix', 'build', '--list-targets']);
  });
});

describe('parseGuixList and checkListed', () => {
  const systems =
    'The available systems are:\n\n   - aarch64-linux \n   - i686-linux \n   - x86_64-linux [current] \n\n';
  it('parses guix build --list-systems output', () => {
    expect(parseGuixList(systems)).toEqual(['aarch64-linux', 'i686-linux', 'x86_64-linux']);
    expect(parseGuixList('')).toEqual([]);
  });
  it('accepts listed values and refuses others with the list as hint', () => {
    expect(() => checkListed('system', 'i686-linux', parseGuixList(systems))).not.toThrow();
    expect(() => checkListed('system', 'foo-linux', parseGuixList(systems))).toThrow(
      /not a supported system/,
    );
    try {
      checkListed('system', 'foo-linux', parseGuixList(systems));
    } catch (e) {
      expect(e).toMatchObject({ code: 'E_GUIX_SYSTEM' });
      expect((e as Error & { hint: string }).hint).toContain('x86_64-linux');
    }
    expect(() => checkListed('target', 'x', [])).not.toThrow();
  });
});

// stderr tails as guix 1.5.0 printed them (test/integration/guix-real runs the real ones)
const BACKTRACE = `Updating channel 'guix' from Git repository at 'https://git.guix.gnu.org/guix.git'...
Backtrace:
In guix/git.scm:
    441:2 13 (_ git-error #<<git-error> code: -1 message: "failed to resolve address for git.guix.gnu.org: Name or service not known" class: 12>)
In unknown file:
           4 (getaddrinfo "archive.softwareheritage.org" "https" 0 #<undefined> #<undefined> #<undefined>)
In guix/ui.scm:
   920:18  0 (_ _)

guix/ui.scm:920:18: In procedure getaddrinfo: Name or service not known
`;

describe('describeGuixFailure', () => {
  const tm = [
    'guix',
    'time-machine',
    '--commit=2f39f2a8',
    '--',
    'system',
    'build',
    '-d',
    '--no-substitutes',
    '/c.scm',
  ];

  it('turns a time-machine backtrace into one line naming the commit and the channel', () => {
    const e = describeGuixFailure(BACKTRACE, tm);
    expect(e.code).toBe('E_GUIX_CHANNEL');
    expect(e.message).toBe(
      'guix system build -d (time-machine to commit 2f39f2a8) failed: cannot reach the channel: failed to resolve address for git.guix.gnu.org: Name or service not known',
    );
    expect(e.oneLine()).not.toContain('\n');
    expect(e.hint).toMatch(/repo_uri/);
  });

  it('reports a clean git error of time-machine', () => {
    const e = describeGuixFailure(
      'guix time-machine: error: Git error: failed to resolve address for example.invalid: Name or service not known\n',
      ['guix', 'time-machine', '--url=https://example.invalid/g.git', '--branch=master', '--', 'describe'],
    );
    expect(e.code).toBe('E_GUIX_CHANNEL');
    expect(e.message).toBe(
      'guix describe (time-machine to branch master of https://example.invalid/g.git) failed: cannot reach the channel: Git error: failed to resolve address for example.invalid: Name or service not known',
    );
  });

  it('names an unknown commit', () => {
    for (const text of [
      "guix time-machine: error: cannot travel past commit '4a0b87f0ec5b' from May 1st, 2019",
      'guix time-machine: error: Git error: object not found - no match for id (0123456789abcdef0123456789abcdef01234567)',
    ]) {
      expect(describeGuixFailure(text, tm).code).toBe('E_GUIX_COMMIT');
    }
  });

  it('names an unsupported system or target', () => {
    const e = describeGuixFailure(
      "guix system: error: 'foo-linux' is not a supported system\nhint: Try `--list-systems' to view available values.\n",
      ['guix', 'system', 'build', '-d', '--system=foo-linux', '/c.scm'],
    );
    expect(e.code).toBe('E_GUIX_SYSTEM');
    expect(e.message).toBe("guix system build -d failed: 'foo-linux' is not a supported system");
  });

  it('points at the configuration line of a config error, with guix\u2019s hint', () => {
    const e = describeGuixFailure(
      "/etc/ganeti/instance-guix/variants/x.scm:12:2: error: bogus-service-type: unbound variable\nhint: Did you forget a `use-modules' form?\n",
      ['guix', 'system', 'init', '/etc/ganeti/instance-guix/variants/x.scm', '/mnt'],
    );
    expect(e.code).toBe('E_GUIX_CONFIG');
    expect(e.message).toBe(
      'guix system init failed: configuration error at /etc/ganeti/instance-guix/variants/x.scm:12:2: bogus-service-type: unbound variable',
    );
    expect(e.hint).toContain('use-modules');
    const req = describeGuixFailure(
      "guix system: error: service 'ssh-daemon' requires 'networking', which is not provided by any service\n",
      ['guix', 'system', 'build', '-d', '/c.scm'],
    );
    expect(req.code).toBe('E_GUIX_CONFIG');
    // an unbound variable in a thunked field: a backtrace whose innermost frame in the file says where
    const bt = describeGuixFailure(
      [
        'Backtrace:',
        'In gnu/system.scm:',
        '   893:11  5 (operating-system-services #<<operating-system> kernel: #<package linux-libre@6.17.12>)',
        'In /root/t/broken.scm:',
        '   197:19  4 (services #<<operating-system> kernel: #<package linux-libre@6.17.12>)',
        'In guix/ui.scm:',
        '   920:18  0 (_ _)',
        '',
        'guix/ui.scm:920:18: error: openssh-servise-type: unbound variable',
      ].join('\n'),
      ['guix', 'system', 'build', '-d', '/root/t/broken.scm'],
    );
    expect(bt.message).toBe(
      'guix system build -d failed: configuration error at /root/t/broken.scm:197:19: openssh-servise-type: unbound variable',
    );
  });

  it('names a failed build and falls back to the last line', () => {
    expect(
      describeGuixFailure("guix system: error: build of `/gnu/store/abc-grub.cfg.drv' failed\n", [
        'guix',
        'system',
        'init',
        '/c',
        '/t',
      ]).code,
    ).toBe('E_GUIX_BUILD');
    const e = describeGuixFailure('\x1b[1msomething odd\x1b[0m\n', ['guix', 'system', 'build', '/c']);
    expect(e.code).toBe('E_GUIX');
    expect(e.message).toBe('guix system build failed: something odd');
  });
});
