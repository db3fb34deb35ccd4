import { describe, expect, it } from 'vitest';
import { isOsError } from '../../runtime/errors.js';
import { aptSources, isReleasedSuite, planAptSources, usesDeb822 } from './apt.js';
import { describeEntries } from '../describe.test-helper.js';

const DDO = 'http://deb.debian.org/debian';

describe('apt sources', () => {
  it('chooses deb822 for trixie and later', () => {
    expect(['buster', 'bullseye', 'bookworm', 'oldstable'].map(usesDeb822)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(['trixie', 'forky', 'stable', 'testing', 'sid', 'unstable'].map(usesDeb822)).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['bookworm', 'trixie', 'stable', 'forky', 'testing', 'sid'].map(isReleasedSuite)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('trixie on deb.debian.org: deb822 with updates and security, sources.list removed', async () => {
    const e = planAptSources({
      mirror: DDO,
      suite: 'trixie',
      components: ['main', 'contrib', 'non-free-firmware'],
    });
    await expect(describeEntries(e)).toMatchFileSnapshot('__golden__/apt-trixie.txt');
  });

  it('bookworm on deb.debian.org: one-line with updates and security', async () => {
    const e = planAptSources({ mirror: `${DDO}/`, suite: 'bookworm', components: ['main'] });
    await expect(describeEntries(e)).toMatchFileSnapshot('__golden__/apt-bookworm.txt');
  });

  it('buster uses the old security suite name', () => {
    expect(aptSources({ mirror: DDO, suite: 'buster', components: ['main'] })[1]).toEqual({
      uri: 'http://deb.debian.org/debian-security',
      suites: ['buster/updates'],
    });
  });

  it('a local mirror or a development suite gets only the suite itself', async () => {
    expect(
      aptSources({ mirror: 'http://mirror.local/debian', suite: 'bookworm', components: ['main'] }),
    ).toEqual([{ uri: 'http://mirror.local/debian', suites: ['bookworm'] }]);
    const e = planAptSources({ mirror: 'https://deb.debian.org/debian', suite: 'sid', components: ['main'] });
    await expect(describeEntries(e)).toMatchFileSnapshot('__golden__/apt-sid.txt');
  });

  it('refuses bad input', () => {
    for (const opts of [
      { mirror: 'not a url', suite: 'trixie', components: ['main'] },
      { mirror: DDO, suite: 'trixie main', components: ['main'] },
      { mirror: DDO, suite: 'trixie', components: [] },
    ]) {
      let err: unknown;
      try {
        planAptSources(opts);
      } catch (e) {
        err = e;
      }
      expect(isOsError(err)).toBe(true);
    }
  });
});
