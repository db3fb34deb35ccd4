import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clashError, otherHolder, owningPackage } from './clash.js';

const work = mkdtempSync(join(tmpdir(), 'ganeti-os-clash-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SEARCH = ['/srv/ganeti/os', '/usr/local/lib/ganeti/os', '/usr/lib/ganeti/os', '/usr/share/ganeti/os'];

describe('an OS name another search directory holds', () => {
  it('finds the other directory and the Debian package that owns it', () => {
    const ours = join(work, 'srv');
    const peer = join(work, 'share');
    mkdirSync(join(peer, 'noop'), { recursive: true });
    mkdirSync(join(ours, 'noop'), { recursive: true });
    writeFileSync(join(peer, 'plain'), '');
    expect(otherHolder('noop', ours, [ours, peer])).toBe(join(peer, 'noop'));
    expect(otherHolder('plain', ours, [ours, peer])).toBeUndefined();
    expect(otherHolder('noop', ours, [ours])).toBeUndefined();

    const info = join(work, 'info');
    mkdirSync(info);
    writeFileSync(join(info, 'other.list'), '/.\n/usr\n');
    writeFileSync(
      join(info, 'ganeti-os-noop.list'),
      `/.\n${join(peer, 'noop')}\n${join(peer, 'noop')}/create\n`,
    );
    expect(owningPackage(join(peer, 'noop'), info)).toBe('ganeti-os-noop');
    expect(owningPackage(join(peer, 'nothing'), info)).toBeUndefined();
    expect(owningPackage('/x', join(work, 'no-such-dir'))).toBeUndefined();
  });

  it('says which one Ganeti runs and names the three choices', () => {
    const e = clashError({
      name: 'debootstrap',
      ours: '/srv/ganeti/os/debootstrap',
      other: '/usr/share/ganeti/os/debootstrap',
      otherPackage: 'ganeti-instance-debootstrap',
      searchPath: SEARCH,
    });
    expect(e.code).toBe('E_OS_DUPLICATE');
    expect(e.message).toBe(
      '/usr/share/ganeti/os/debootstrap (Debian package ganeti-instance-debootstrap) already provides an OS named debootstrap',
    );
    expect(e.hint).toBe(
      'Ganeti runs the first search-path directory holding a name: /srv/ganeti/os/debootstrap would shadow ' +
        '/usr/share/ganeti/os/debootstrap, and gnt-os diagnose fails while a name is in two directories; choose: ' +
        'install ours under another name (ganeti-os install debootstrap --as <name>), ' +
        'remove it (apt remove ganeti-instance-debootstrap), or install anyway with --force',
    );
  });

  it('says when ours would be hidden, or outside the search path', () => {
    const hidden = clashError({
      name: 'noop',
      ours: '/usr/share/ganeti/os/noop',
      other: '/srv/ganeti/os/noop',
      searchPath: SEARCH,
    });
    expect(hidden.message).toBe('/srv/ganeti/os/noop already provides an OS named noop');
    expect(hidden.hint).toContain(
      '/srv/ganeti/os/noop comes first, /usr/share/ganeti/os/noop would be hidden',
    );
    expect(hidden.hint).toContain('remove or rename /srv/ganeti/os/noop');
    const outside = clashError({
      name: 'noop',
      ours: '/opt/os/noop',
      other: '/srv/ganeti/os/noop',
      searchPath: SEARCH,
    });
    expect(outside.hint).toMatch(
      /^\/opt\/os\/noop is not in Ganeti's OS search path \(\/srv\/ganeti\/os, .*\), so Ganeti runs/,
    );
  });
});
