/**
 * The root account: locked by default (`!` in /etc/shadow), or disabled (`*`), or a SHA-512 crypt
 * hash (made with `openssl passwd -6`, the plain password passed on stdin and never logged); and
 * root's ssh authorized_keys (/root/.ssh 0700, authorized_keys 0600).
 */
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { Runner } from '../process/types.js';
import type { GuestEntry } from './types.js';

export type RootPassword = { mode: 'locked' } | { mode: 'disabled' } | { mode: 'hash'; hash: string };

const CRYPT = /^\$(1|5|6|y|gy|2[abxy]|7)\$[./A-Za-z0-9$=,]+$/;

/** Set root's password field in a shadow file; throws when there is no root line to set. */
export function setShadowPassword(current: string | undefined, field: string): string | null {
  if (current === undefined) {
    throw new OsError('E_GUEST_SHADOW', 'the guest has no /etc/shadow to set the root password in', {
      hint: 'the bootstrap did not install the passwd package',
    });
  }
  const lines = current.split('\n');
  const i = lines.findIndex((l) => l.startsWith('root:'));
  if (i < 0)
    throw new OsError('E_GUEST_SHADOW', 'the guest /etc/shadow has no root entry', {
      hint: 'the guest tree is damaged',
    });
  const parts = lines[i]!.split(':');
  if (parts[1] === field) return null;
  parts[1] = field;
  lines[i] = parts.join(':');
  return lines.join('\n');
}

export function planRootPassword(pw: RootPassword): GuestEntry[] {
  let field: string;
  if (pw.mode === 'locked') field = '!';
  else if (pw.mode === 'disabled') field = '*';
  else {
    if (!CRYPT.test(pw.hash)) {
      throw new OsError('E_GUEST_PASSWORD', 'the root password hash is not a crypt(3) hash', {
        hint: 'give a hash like $6$salt$... (openssl passwd -6), not the plain password',
      });
    }
    field = pw.hash;
  }
  return [
    { kind: 'edit', path: '/etc/shadow', what: 'root password', apply: (c) => setShadowPassword(c, field) },
  ];
}

/** Hash a plain password with `openssl passwd -6` (password on stdin; registered as a secret). */
export async function hashPassword(runner: Runner, log: Logger, plain: string): Promise<string> {
  if (plain === '' || plain.includes('\n')) {
    throw new OsError('E_GUEST_PASSWORD', 'the root password is empty or has a line break', {
      hint: 'choose a one-line password',
    });
  }
  log.redact(plain);
  const r = await runner.run('openssl', ['passwd', '-6', '-stdin'], {
    input: `${plain}\n`,
    redactArgs: true,
    code: 'E_GUEST_PASSWORD',
  });
  const hash = r.stdout.trim();
  log.redact(hash);
  if (!hash.startsWith('$6$'))
    throw new OsError('E_GUEST_PASSWORD', 'openssl passwd -6 did not return a SHA-512 hash');
  return hash;
}

const KEY =
  /^(?:[a-z0-9-]+(?:=(?:"[^"]*"|[^\s,]*))?(?:,[a-z0-9-]+(?:=(?:"[^"]*"|[^\s,]*))?)*\s+)?(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)\s+[A-Za-z0-9+/=]+(\s.*)?$/;

export function planAuthorizedKeys(keys: readonly string[]): GuestEntry[] {
  const clean = keys.map((k) => k.trim()).filter((k) => k !== '' && !k.startsWith('#'));
  const badKey = clean.find((k) => !KEY.test(k));
  if (badKey !== undefined) {
    throw new OsError('E_GUEST_SSH_KEY', `not an ssh public key: ${badKey.slice(0, 40)}...`, {
      hint: 'give one public key per line, as in ~/.ssh/id_ed25519.pub',
    });
  }
  if (clean.length === 0) return [];
  return [
    { kind: 'dir', path: '/root/.ssh', mode: 0o700 },
    { kind: 'file', path: '/root/.ssh/authorized_keys', content: clean.join('\n') + '\n', mode: 0o600 },
  ];
}
