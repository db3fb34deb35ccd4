/**
 * The debootstrap OS parameters: every OSP_* variable a stock hook reads is declared (Ganeti
 * refuses `-O name=...` for a parameter parameters.list does not name), and bad values fail in
 * `verify` without showing a private value.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/config/paths.js';
import { ospKey } from '../../src/ganeti/osp.js';
import { resolveParams } from '../../src/sdk/params.js';
import debootstrap from '../../providers/debootstrap/index.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGanetiOsTestKeyOne0000000000000000000000000 admin@node';
const KEY2 = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCganetiOsTestKeyTwo== other@node';

function hookFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? hookFiles(full) : name.endsWith('.md') ? [] : [full];
  });
}

const problems = (raw: Record<string, string>): string[] =>
  resolveParams(debootstrap.params, raw).problems.map((p) => p.message);

describe('debootstrap OS parameters', () => {
  it('declares every OSP_* variable the stock hooks read', () => {
    const declared = new Set(Object.keys(debootstrap.params).map(ospKey));
    const read = new Set<string>();
    for (const f of hookFiles(path.join(packageRoot(), 'hooks')))
      for (const m of readFileSync(f, 'utf8').matchAll(/\bOSP_([A-Z0-9_]+)/g)) read.add(m[1]!);
    expect([...read].filter((k) => !declared.has(k))).toEqual([]);
    expect(read).toEqual(
      new Set([
        'TIMEZONE',
        'CLOUD_USERDATA',
        'DNS_NAMESERVERS',
        'SSH_AUTHORIZED_KEYS',
        'ROOT_PASSWORD_HASH',
        'ROOT_PASSWORD',
      ]),
    );
  });

  it('accepts good values', () => {
    expect(
      problems({
        TIMEZONE: 'Europe/Berlin',
        SSH_AUTHORIZED_KEYS: `${KEY}\n\n${KEY2}\n`,
        ROOT_PASSWORD_HASH: '$6$salt$0123456789abcdefABCDEF./',
        CLOUD_USERDATA: '#cloud-config\npackages: [htop]\n',
        DNS_NAMESERVERS: '192.0.2.53, 2001:db8::53',
      }),
    ).toEqual([]);
    expect(problems({ CLOUD_USERDATA: 'base64:I2Nsb3VkLWNvbmZpZwo=' })).toEqual([]);
  });

  it('refuses bad values, naming the parameter', () => {
    expect(problems({ TIMEZONE: '../../etc/passwd' })).toEqual([
      'OS parameter timezone must be a tz database name such as Europe/Berlin or Etc/UTC',
    ]);
    expect(problems({ SSH_AUTHORIZED_KEYS: `${KEY}\nnot a key` })).toEqual([
      'OS parameter ssh-authorized-keys must be ssh public keys (type base64 [comment]), one per line',
    ]);
    expect(problems({ DNS_NAMESERVERS: '192.0.2.53 dns.example.org' })).toEqual([
      'OS parameter dns-nameservers has an invalid item "dns.example.org"',
    ]);
    expect(problems({ DNS_NAMESERVERS: '192.0.2.300' })).toHaveLength(1);
  });

  it('keeps secrets private: never in an error message', () => {
    expect(debootstrap.params['root-password-hash'].private).toBe(true);
    expect(debootstrap.params['cloud-userdata'].private).toBe(true);
    const bad = problems({ ROOT_PASSWORD_HASH: 'hunter2', CLOUD_USERDATA: 'password: hunter2' });
    expect(bad).toHaveLength(2);
    for (const m of bad) expect(m).not.toContain('hunter2');
  });
});
