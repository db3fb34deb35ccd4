import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LINUX_FAMILY } from '../family.js';
import { debianFamily } from './family.js';

describe('the Debian guest family', () => {
  it('brings apt sources, locale-gen for real locales, policy-rc.d and its marker; the plain family none', () => {
    const f = debianFamily({
      apt: { mirror: 'http://deb.debian.org/debian', suite: 'trixie', components: ['main'] },
    });
    expect(f.plan?.().map((e) => `${e.kind} ${e.path}`)).toEqual([
      'file /etc/apt/sources.list.d/debian.sources',
      'remove /etc/apt/sources.list',
    ]);
    expect(f.commands?.({ locale: 'C.UTF-8' })).toEqual([]);
    expect(f.commands?.({ locale: 'de_DE.UTF-8' }).map((c) => c.argv)).toEqual([['locale-gen']]);
    expect(f.chroot).toEqual({
      env: { DEBIAN_FRONTEND: 'noninteractive', DEBCONF_NONINTERACTIVE_SEEN: 'true' },
      policyRcD: true,
    });
    expect(f.marker).toBe('/etc/debian_version');
    expect(LINUX_FAMILY).toEqual({ name: 'linux', chroot: { env: {}, policyRcD: false } });
  });

  it('recognises ifupdown by its dpkg list', async () => {
    const t = mkdtempSync(join(tmpdir(), 'family-'));
    expect(await debianFamily().detectNetwork?.(t)).toBeUndefined();
    mkdirSync(join(t, 'var/lib/dpkg/info'), { recursive: true });
    writeFileSync(join(t, 'var/lib/dpkg/info/ifupdown.list'), '');
    expect(await debianFamily().detectNetwork?.(t)).toBe('ifupdown');
  });
});
