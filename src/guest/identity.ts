/**
 * Per-instance identity, never shared between instances made from one cache: a fresh machine-id
 * (with the /var/lib/dbus/machine-id link) and fresh ssh host keys. Keys are generated on the host
 * with ssh-keygen into a private temporary directory, then written into the guest by the safe
 * writer (private keys 0600, public keys 0644). On reinstall, policy 'keep' keeps the keys found in
 * the guest and only adds missing types.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rmdir, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Runner } from '../process/types.js';
import { OsError } from '../runtime/errors.js';
import { resolveInGuest, targetRoot } from './guest-path.js';
import type { GuestEntry, WriteReport } from './types.js';
import { writeGuestFiles } from './writer.js';

/** 32 lowercase hex digits, as systemd-machine-id-setup writes. */
export function newMachineId(): string {
  return randomBytes(16).toString('hex');
}

export function planMachineId(machineId: string): GuestEntry[] {
  if (!/^[0-9a-f]{32}$/.test(machineId)) throw new OsError('E_INTERNAL', `bad machine id ${machineId}`);
  return [
    { kind: 'file', path: '/etc/machine-id', content: `${machineId}\n`, mode: 0o444 },
    { kind: 'symlink', path: '/var/lib/dbus/machine-id', target: '/etc/machine-id' },
  ];
}

export type SshKeyType = 'ed25519' | 'rsa' | 'ecdsa';
const DEFAULT_SSH_KEY_TYPES: readonly SshKeyType[] = ['ed25519', 'rsa', 'ecdsa'];

export interface SshHostKeyOptions {
  runner: Runner;
  target: string;
  /** Instance name, for the key comment root@<name>. */
  name: string;
  types?: readonly SshKeyType[];
  /** 'regenerate' (default): replace every host key; 'keep': keep complete pairs already there. */
  policy?: 'regenerate' | 'keep';
  /** Pairs made beforehand by makeSshHostKeys (used for the types wanted; the rest are generated). */
  keys?: readonly SshHostKeyPair[];
}

const HOST_KEY = /^ssh_host_([a-z0-9]+)_key(\.pub)?$/;

async function existingHostKeys(target: string): Promise<string[]> {
  const root = await targetRoot(target);
  const r = await resolveInGuest(root, '/etc/ssh', { followFinal: true });
  if (!r.stat?.isDirectory()) return [];
  return (await readdir(r.hostPath)).filter((n) => HOST_KEY.test(n));
}

export interface SshHostKeyPair {
  type: SshKeyType;
  privateKey: Buffer;
  publicKey: Buffer;
}

/**
 * Generate host key pairs on the host (all types at once, in a private temporary directory)
 * without touching any guest: create starts this early so it overlaps the disk work.
 */
export async function makeSshHostKeys(
  runner: Runner,
  name: string,
  types: readonly SshKeyType[] = DEFAULT_SSH_KEY_TYPES,
): Promise<SshHostKeyPair[]> {
  if (types.length === 0) return [];
  const dir = await mkdtemp(join(tmpdir(), 'ganeti-os-sshkeys-'));
  try {
    // allSettled: the directory is emptied only once no ssh-keygen is still writing into it.
    const made = await Promise.allSettled(
      types.map(async (t) => {
        const file = join(dir, `ssh_host_${t}_key`);
        // niced: made ahead of need, they must not slow the disk work they overlap with
        await runner.run(
          'nice',
          ['-n', '10', 'ssh-keygen', '-q', '-t', t, '-N', '', '-C', `root@${name}`, '-f', file],
          {
            code: 'E_GUEST_SSH_KEYGEN',
            hint: 'install openssh-client on the node',
          },
        );
        return { type: t, privateKey: await readFile(file), publicKey: await readFile(`${file}.pub`) };
      }),
    );
    const failed = made.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return made.map((r) => (r as PromiseFulfilledResult<SshHostKeyPair>).value);
  } finally {
    for (const n of await readdir(dir)) await unlink(join(dir, n));
    await rmdir(dir);
  }
}

/** Generate (or keep) the guest's ssh host keys. Returns the writer's report. */
export async function generateSshHostKeys(opts: SshHostKeyOptions): Promise<WriteReport[]> {
  const types = opts.types ?? DEFAULT_SSH_KEY_TYPES;
  const policy = opts.policy ?? 'regenerate';
  const existing = await existingHostKeys(opts.target);
  const entries: GuestEntry[] = [];
  let wanted: SshKeyType[];
  if (policy === 'keep') {
    wanted = types.filter(
      (t) => !(existing.includes(`ssh_host_${t}_key`) && existing.includes(`ssh_host_${t}_key.pub`)),
    );
  } else {
    wanted = [...types];
    for (const n of existing) entries.push({ kind: 'remove', path: `/etc/ssh/${n}` });
  }
  const given = (opts.keys ?? []).filter((k) => wanted.includes(k.type));
  const missing = wanted.filter((t) => !given.some((k) => k.type === t));
  const pairs = [...given, ...(await makeSshHostKeys(opts.runner, opts.name, missing))];
  for (const t of wanted) {
    const k = pairs.find((p) => p.type === t)!;
    entries.push(
      { kind: 'file', path: `/etc/ssh/ssh_host_${t}_key`, content: k.privateKey, mode: 0o600 },
      { kind: 'file', path: `/etc/ssh/ssh_host_${t}_key.pub`, content: k.publicKey, mode: 0o644 },
    );
  }
  return writeGuestFiles(opts.target, entries);
}
