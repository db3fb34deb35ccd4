/**
 * Executor: checking a detached OpenPGP signature with gpgv against one keyring file, in a private
 * empty home directory (so no key of the node's own keyrings is trusted by accident). gpgv's status
 * lines are judged by gpgStatusVerdict: a good signature, nothing bad, and no signed data inside the
 * signature file itself (a signed message passed off as a detached signature would verify its own
 * contents, not the file).
 */
import { access, constants, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Runner } from '../process/types.js';
import { OsError } from '../runtime/errors.js';

/** Pure: judge gpgv's `--status-fd` output; undefined when good, else the reason. */
export function gpgStatusVerdict(status: string): string | undefined {
  const lines = status
    .split('\n')
    .filter((l) => l.startsWith('[GNUPG:] '))
    .map((l) => l.slice(9));
  const kw = (k: string): string | undefined => lines.find((l) => l === k || l.startsWith(`${k} `));
  if (kw('PLAINTEXT')) return 'the signature file carries signed data of its own (not a detached signature)';
  const bad = kw('BADSIG');
  if (bad) return `BAD signature from ${bad.split(' ').slice(2).join(' ') || 'its key'}`;
  const noKey = kw('NO_PUBKEY');
  if (noKey) return `no public key ${noKey.split(' ')[1] ?? ''} in the keyring`.trimEnd();
  if (kw('ERRSIG')) return 'the signature cannot be checked';
  if (kw('EXPKEYSIG')) return 'the signing key has expired';
  if (kw('REVKEYSIG')) return 'the signing key is revoked';
  if (kw('EXPSIG')) return 'the signature has expired';
  if (!kw('VALIDSIG') || !kw('GOODSIG')) return 'no good signature';
  return undefined;
}

/** `gpgv --keyring <keyring> <signature> <data>`; E_FETCH_SIGNATURE with gpgv's last line otherwise. */
export async function verifySignature(o: {
  data: string;
  signature: string;
  keyring: string;
  runner: Runner;
  /** What the data is, for the message (default: its path). */
  label?: string;
  /**
   * gpgv's home directory: a fresh, empty directory of the caller's, removed by the caller (its own
   * cleanup). Default: a temporary one made and removed here.
   */
  home?: string;
}): Promise<void> {
  const keyring = resolve(o.keyring);
  try {
    await access(keyring, constants.R_OK);
  } catch {
    throw new OsError('E_FETCH_SIGNATURE', `keyring ${keyring} cannot be read`, {
      hint: 'name an existing keyring file (gpg --export KEYID > FILE) in the variant',
    });
  }
  const home = o.home ?? (await mkdtemp(join(tmpdir(), 'ganeti-os-gpgv-')));
  if (o.home) await mkdir(home, { mode: 0o700 });
  try {
    const r = await o.runner.run(
      'gpgv',
      [
        '--homedir',
        home,
        '--status-fd',
        '1',
        '--keyring',
        keyring,
        '--',
        resolve(o.signature),
        resolve(o.data),
      ],
      { reject: false, code: 'E_FETCH_SIGNATURE' },
    );
    const verdict =
      r.exitCode === 0 ? gpgStatusVerdict(r.stdout) : (gpgStatusVerdict(r.stdout) ?? 'gpgv failed');
    if (verdict !== undefined) {
      const last = r.stderr
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .pop();
      throw new OsError(
        'E_FETCH_SIGNATURE',
        `signature check of ${o.label ?? o.data} failed: ${r.exitCode !== 0 && last ? last : verdict}`,
        {
          hint: `the checksum file is not signed by a key in ${keyring}: check the keyring, or the server`,
        },
      );
    }
  } finally {
    if (!o.home) await rm(home, { recursive: true, force: true });
  }
}
