import { describe, expect, it } from 'vitest';
import { configDirOf, configRootFromEnv, legacyDefaultsFile } from './paths.js';

describe('configRootFromEnv', () => {
  it('reads GANETI_OS_CONFIG_DIR as an absolute path', () => {
    expect(configRootFromEnv({ GANETI_OS_CONFIG_DIR: '/srv/etc/ganeti' })).toBe('/srv/etc/ganeti');
    expect(configRootFromEnv({ GANETI_OS_CONFIG_DIR: '/srv/etc/ganeti/' })).toBe('/srv/etc/ganeti');
    expect(configRootFromEnv({ GANETI_OS_CONFIG_DIR: 'etc' })).toBe(`${process.cwd()}/etc`);
  });

  it('is undefined when unset or blank, so the recorded or default root applies', () => {
    expect(configRootFromEnv({})).toBeUndefined();
    expect(configRootFromEnv({ GANETI_OS_CONFIG_DIR: '' })).toBeUndefined();
    expect(configRootFromEnv({ GANETI_OS_CONFIG_DIR: '  ' })).toBeUndefined();
  });
});

describe('configDirOf', () => {
  it('puts an explicit root first, then the recorded directory, then /etc/ganeti', () => {
    expect(configDirOf('debootstrap', '/srv/etc', '/old/instance-debootstrap')).toBe(
      '/srv/etc/instance-debootstrap',
    );
    expect(configDirOf('debootstrap', undefined, '/old/instance-debootstrap')).toBe(
      '/old/instance-debootstrap',
    );
    expect(configDirOf('debootstrap', undefined)).toBe('/etc/ganeti/instance-debootstrap');
    expect(configDirOf('noop', '/srv/etc/')).toBe('/srv/etc/instance-noop');
  });

  it('places the legacy defaults file beside the root', () => {
    expect(legacyDefaultsFile('debootstrap', { configRoot: '/srv/etc/ganeti' })).toBe(
      '/srv/etc/default/ganeti-instance-debootstrap',
    );
  });
});
