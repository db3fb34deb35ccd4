import { describe, expect, it } from 'vitest';
import { isOsError } from '../runtime/errors.js';
import { describeEntries } from './describe.test-helper.js';
import { fstabEscape, mergeFstab, planFstab, renderFstab } from './fstab.js';
import { MANAGED_HEADER } from './template.js';

describe('fstab', () => {
  it('renders entries with default options and pass numbers', async () => {
    const e = planFstab([
      {
        spec: 'UUID=0b6c1e6a-0000-4000-8000-000000000001',
        mountpoint: '/',
        type: 'ext4',
        options: 'errors=remount-ro',
      },
      { spec: 'UUID=0b6c1e6a-0000-4000-8000-000000000002', mountpoint: '/srv/my data', type: 'xfs' },
      { spec: 'UUID=0b6c1e6a-0000-4000-8000-000000000003', mountpoint: 'none', type: 'swap', options: 'sw' },
      { spec: 'tmpfs', mountpoint: '/tmp', type: 'tmpfs', options: 'nosuid,nodev', dump: 0, pass: 0 },
    ]);
    await expect(describeEntries(e)).toMatchFileSnapshot('__golden__/fstab.txt');
  });

  it('renders an empty fstab', () => {
    expect(planFstab([])[0]!.content).toMatch(/<file system>.*\n$/);
  });

  it('escapes blanks', () => {
    expect(fstabEscape('a b\tc\\#')).toBe('a\\040b\\011c\\134\\043');
  });

  it('refuses a relative mount point', () => {
    let err: unknown;
    try {
      planFstab([{ spec: 'UUID=x', mountpoint: 'boot', type: 'ext4' }]);
    } catch (e) {
      err = e;
    }
    expect(isOsError(err) && err.code).toBe('E_FSTAB');
  });

  describe('mergeFstab', () => {
    const fresh = [
      {
        spec: 'UUID=new-root',
        mountpoint: '/',
        type: 'ext4',
        options: 'errors=remount-ro',
        dump: 0,
        pass: 1,
      },
      { spec: 'UUID=new-swap', mountpoint: 'none', type: 'swap', options: 'sw', dump: 0, pass: 0 },
    ];
    const old = [
      '# /etc/fstab: static file system information.',
      'UUID=old-root / ext4 errors=remount-ro 0 1',
      'UUID=old-boot /boot ext2 defaults 0 2',
      'UUID=old-esp /boot/efi vfat umask=0077 0 1',
      'UUID=old-swap none swap sw 0 0',
      '/dev/sdb1 /srv/data xfs defaults 0 2',
      'tmpfs /tmp tmpfs nosuid,nodev 0 0',
      '',
      '',
    ].join('\n');

    it("replaces the layout's lines and keeps the guest's own after them", () => {
      const text = mergeFstab(old, fresh);
      expect(text.startsWith(renderFstab(fresh))).toBe(true);
      expect(text).not.toMatch(/old-(root|boot|esp|swap)/);
      expect(text.slice(renderFstab(fresh).length)).toBe(
        [
          '# /etc/fstab: static file system information.',
          '/dev/sdb1 /srv/data xfs defaults 0 2',
          'tmpfs /tmp tmpfs nosuid,nodev 0 0',
          '',
        ].join('\n'),
      );
    });

    it('escapes blanks in the new entries and recognises escaped mount points in the old ones', () => {
      const text = mergeFstab('LABEL=x /my\\040data ext4 defaults 0 2\nUUID=a /boot ext4 defaults 0 2\n', [
        { spec: 'LABEL=my root', mountpoint: '/', type: 'ext4' },
      ]);
      expect(text).toContain('LABEL=my\\040root\t/\text4\tdefaults\t0\t1\n');
      expect(text).toContain('LABEL=x /my\\040data ext4 defaults 0 2\n');
      expect(text).not.toContain('UUID=a');
    });

    it('does not repeat its own header when merging an fstab it wrote', () => {
      const once = mergeFstab('', fresh);
      expect(once).toBe(renderFstab(fresh));
      const twice = mergeFstab(once, fresh);
      expect(twice).toBe(once);
      expect(twice.split(MANAGED_HEADER).length).toBe(2);
    });
  });
});
