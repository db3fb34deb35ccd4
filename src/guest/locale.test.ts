import { describe, expect, it } from 'vitest';
import { describeEntries } from './describe.test-helper.js';
import { enableInLocaleGen, localeGenLine, planLocale, planTimezone } from './locale.js';

describe('locale and time zone', () => {
  it('derives the locale.gen line', () => {
    expect(localeGenLine('en_US.UTF-8')).toBe('en_US.UTF-8 UTF-8');
    expect(localeGenLine('de_DE')).toBe('de_DE ISO-8859-1');
    expect(() => localeGenLine('en_US.UTF-8; rm -rf /')).toThrow(/not valid/);
  });

  it('uncomments or appends the locale line', async () => {
    const gen = '# en_GB.UTF-8 UTF-8\n# en_US.UTF-8 UTF-8\n';
    expect(enableInLocaleGen(gen, 'en_US.UTF-8 UTF-8')).toBe('# en_GB.UTF-8 UTF-8\nen_US.UTF-8 UTF-8\n');
    expect(enableInLocaleGen('en_US.UTF-8 UTF-8\n', 'en_US.UTF-8 UTF-8')).toBeNull();
    expect(enableInLocaleGen(undefined, 'de_DE.UTF-8 UTF-8')).toBe('de_DE.UTF-8 UTF-8\n');
    await expect(
      describeEntries(planLocale({ locale: 'en_US.UTF-8' }), { samples: { '/etc/locale.gen': gen } }),
    ).toMatchFileSnapshot('__golden__/locale.txt');
    expect(planLocale({ locale: 'C.UTF-8' })).toHaveLength(1);
  });

  it('links /etc/localtime relative to the guest and writes /etc/timezone', async () => {
    await expect(describeEntries(planTimezone('America/Argentina/Buenos_Aires'))).toMatchFileSnapshot(
      '__golden__/timezone.txt',
    );
    for (const bad of ['../../etc/passwd', 'Europe/../../x', '/etc/passwd', 'Europe/Berlin ']) {
      expect(() => planTimezone(bad)).toThrow(/not valid/);
    }
  });
});
