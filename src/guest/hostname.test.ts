import { describe, expect, it } from 'vitest';
import { isOsError } from '../runtime/errors.js';
import { describeEntries } from './describe.test-helper.js';
import { guestNames, planHostname, planHosts } from './hostname.js';
import { planRename, renameInHosts } from './rename.js';
import { NIC_DHCP, NIC_STATIC, instance } from './instances.test-helper.js';

describe('hostname and hosts', () => {
  it('splits the instance name into short name and FQDN', () => {
    expect(guestNames({ name: 'Web-1.Example.org.' })).toEqual({ short: 'web-1', fqdn: 'web-1.example.org' });
    expect(guestNames({ name: 'db-2' })).toEqual({ short: 'db-2', fqdn: 'db-2' });
    expect(guestNames({ name: 'db-2', fqdn: 'db-2.corp.example' })).toEqual({
      short: 'db-2',
      fqdn: 'db-2.corp.example',
    });
  });

  it('refuses names that are not host names', () => {
    for (const bad of ['-web', 'web_1', 'a..b', '', 'x'.repeat(64)]) {
      let err: unknown;
      try {
        guestNames({ name: bad });
      } catch (e) {
        err = e;
      }
      expect(isOsError(err) && err.code).toBe('E_GUEST_HOSTNAME');
    }
  });

  it('writes hostname (short) and mailname (FQDN)', async () => {
    await expect(describeEntries(planHostname(instance()))).toMatchFileSnapshot('__golden__/hostname.txt');
    expect(planHostname(instance(), { style: 'fqdn', mailname: false })).toEqual([
      { kind: 'file', path: '/etc/hostname', content: 'web-1.example.org\n', mode: 0o644 },
    ]);
  });

  it('writes the guest its own hosts file: 127.0.1.1 without a static IP', async () => {
    await expect(describeEntries(planHosts(instance([NIC_DHCP])))).toMatchFileSnapshot(
      '__golden__/hosts-dhcp.txt',
    );
  });

  it('maps the name to the first static IPv4', async () => {
    await expect(
      describeEntries(planHosts(instance([NIC_DHCP, { ...NIC_STATIC, index: 1 }]))),
    ).toMatchFileSnapshot('__golden__/hosts-static.txt');
  });

  it('handles a short name without domain', () => {
    const content = planHosts(instance([], { name: 'solo' }))[0]!.content as string;
    expect(content).toContain('127.0.1.1\tsolo\n');
  });
});

describe('rename', () => {
  const hosts =
    '127.0.0.1\tlocalhost\n127.0.1.1\tweb-1.example.org web-1 # web-1 here\n10.0.0.5 web-10 other web-1\n# web-1 comment\n';

  it('renames only the name columns, whole words', () => {
    const out = renameInHosts(
      hosts,
      guestNames({ name: 'web-1.example.org' }),
      guestNames({ name: 'app-7.example.org' }),
    );
    expect(out).toBe(
      '127.0.0.1\tlocalhost\n127.0.1.1\tapp-7.example.org app-7 # web-1 here\n10.0.0.5 web-10 other app-7\n# web-1 comment\n',
    );
  });

  it('plans hostname, mailname and hosts edits', async () => {
    const edits = planRename('web-1.example.org', 'app-7.example.org');
    const text = describeEntries(edits, {
      samples: { '/etc/hostname': 'web-1\n', '/etc/mailname': 'mail.example.org\n', '/etc/hosts': hosts },
    });
    await expect(text).toMatchFileSnapshot('__golden__/rename.txt');
  });

  it('keeps the FQDN style and leaves foreign or absent files alone', () => {
    const [hostname, mailname, hostsEdit] = planRename('web-1.example.org', 'app-7.example.org');
    expect(hostname!.kind === 'edit' && hostname!.apply('web-1.example.org\n')).toBe('app-7.example.org\n');
    expect(hostname!.kind === 'edit' && hostname!.apply('custom\n')).toBeNull();
    expect(mailname!.kind === 'edit' && mailname!.apply(undefined)).toBeNull();
    expect(hostsEdit!.kind === 'edit' && hostsEdit!.apply(undefined)).toBeNull();
  });
});
