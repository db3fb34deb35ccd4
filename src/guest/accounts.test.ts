import { describe, expect, it } from 'vitest';
import type { Runner } from '../process/types.js';
import { Logger, MemorySink } from '../runtime/logger.js';
import { hashPassword, planAuthorizedKeys, planRootPassword, setShadowPassword } from './accounts.js';
import { describeEntries } from './describe.test-helper.js';

const shadow = 'root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDSUbK8yqBu4x0U8bN3uH1sCHvrEqH0Bq6gOe3Zb5r6Q admin@example';

describe('root account', () => {
  it('locks root by default', () => {
    const [edit] = planRootPassword({ mode: 'locked' });
    expect(edit!.kind === 'edit' && edit!.apply(shadow)).toBe(
      'root:!:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n',
    );
    expect(setShadowPassword('root:!:1::::::\n', '!')).toBeNull();
  });

  it('sets a crypt hash and never shows it in a dry run', () => {
    const hash =
      '$6$saltsalt$7yvl6yRHb0p8uPqh3Ihq2m0aG2d1zq6y2Q2b8Wc0S0dKZ3p0Yp3kC7vW0zD4bQy8p2Qm7mQk3yY3cT8a0o6xC.';
    const entries = planRootPassword({ mode: 'hash', hash });
    const edit = entries[0]!;
    expect(edit.kind === 'edit' && edit.apply(shadow)).toContain(`root:${hash}:19000`);
    const text = describeEntries(entries, { samples: { '/etc/shadow': shadow } });
    expect(text).toBe('== edit /etc/shadow (root password)\n');
  });

  it('refuses a plain password where a hash is expected, and a shadow without root', () => {
    expect(() => planRootPassword({ mode: 'hash', hash: 'secret' })).toThrow(/not a crypt/);
    const [edit] = planRootPassword({ mode: 'disabled' });
    expect(() => edit!.kind === 'edit' && edit!.apply('daemon:*:1::::::\n')).toThrow(/no root entry/);
    expect(() => edit!.kind === 'edit' && edit!.apply(undefined)).toThrow(/no \/etc\/shadow/);
  });

  it('hashes with openssl passwd -6 (password on stdin, redacted)', async () => {
    const sink = new MemorySink();
    const log = new Logger('debug', sink);
    const calls: { cmd: string; args: readonly string[]; input?: string }[] = [];
    const runner: Runner = {
      run(cmd, args, opts) {
        calls.push({ cmd, args, input: opts?.input });
        return Promise.resolve({ exitCode: 0, stdout: '$6$abc$def\n', stderr: '', failed: false });
      },
    };
    expect(await hashPassword(runner, log, 'hunter2')).toBe('$6$abc$def');
    expect(calls).toEqual([{ cmd: 'openssl', args: ['passwd', '-6', '-stdin'], input: 'hunter2\n' }]);
    log.info('password is hunter2');
    expect(sink.lines).toEqual(['password is ***']);
  });

  it('hashes for real with openssl', async () => {
    const { ExecRunner } = await import('../process/runner.js');
    const log = new Logger('info', new MemorySink());
    const hash = await hashPassword(new ExecRunner(log), log, 'correct horse');
    expect(hash).toMatch(/^\$6\$[^$]+\$[./A-Za-z0-9]{86}$/);
  });
});

describe('authorized keys', () => {
  it('writes /root/.ssh 0700 and authorized_keys 0600', async () => {
    await expect(
      describeEntries(planAuthorizedKeys([KEY, '', '# comment', `from="10.0.0.0/8",no-pty ${KEY}`])),
    ).toMatchFileSnapshot('__golden__/authorized-keys.txt');
    expect(planAuthorizedKeys([])).toEqual([]);
  });

  it('refuses something that is not a public key', () => {
    expect(() => planAuthorizedKeys(['-----BEGIN OPENSSH PRIVATE KEY-----'])).toThrow(
      /not an ssh public key/,
    );
  });
});
