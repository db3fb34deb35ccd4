import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MANIFEST_FILE, renderManifest } from '../ganeti/manifest.js';
import { Logger, MemorySink } from '../runtime/logger.js';
import { defaultContext } from './context.js';
import { osPaths } from './os-paths.js';
import { Registry } from '../dispatch/registry.js';

let root: string;
let osDir: string;
let sink: MemorySink;
const ctx = (configRoot?: string) => ({ packageRoot: '/pkg', configRoot, log: new Logger('info', sink) });

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'gos-os-paths-'));
  osDir = join(root, 'os');
  sink = new MemorySink();
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function installed(name: string, configDir: string): void {
  mkdirSync(join(osDir, name), { recursive: true });
  const m = { provider: name, configDir, shareDir: '/lib/share', cacheDir: '/cache', version: 'x' };
  writeFileSync(join(osDir, name, MANIFEST_FILE), renderManifest(m));
}

describe('osPaths', () => {
  it('uses the root GANETI_OS_CONFIG_DIR names for an OS not installed, a --config-root before it', () => {
    expect(osPaths('debootstrap', ctx(), { osDir }).configDir).toBe('/etc/ganeti/instance-debootstrap');
    expect(osPaths('debootstrap', ctx('/env'), { osDir }).configDir).toBe('/env/instance-debootstrap');
    expect(osPaths('debootstrap', ctx('/env'), { osDir, configRoot: '/opt' }).configDir).toBe(
      '/opt/instance-debootstrap',
    );
    expect(osPaths('debootstrap', ctx(), { osDir })).toMatchObject({ installed: false, shareDir: '/pkg' });
  });

  it('uses the recorded directory of an installed OS, quietly', () => {
    installed('debootstrap', '/srv/etc/instance-debootstrap');
    expect(osPaths('debootstrap', ctx(), { osDir })).toMatchObject({
      installed: true,
      configDir: '/srv/etc/instance-debootstrap',
      shareDir: '/lib/share',
    });
    expect(osPaths('debootstrap', ctx('/srv/etc'), { osDir }).configDir).toBe(
      '/srv/etc/instance-debootstrap',
    );
    expect(sink.lines).toEqual([]);
  });

  it('lets an explicit root replace the recorded one and warns that the scripts read the other', () => {
    installed('debootstrap', '/srv/etc/instance-debootstrap');
    expect(osPaths('debootstrap', ctx('/env'), { osDir }).configDir).toBe('/env/instance-debootstrap');
    expect(sink.lines.join('\n')).toContain(
      `using /env/instance-debootstrap, but the scripts of ${osDir}/debootstrap read /srv/etc/instance-debootstrap: ` +
        '`ganeti-os install --config-root /env debootstrap` moves them there',
    );
  });
});

describe('defaultContext', () => {
  it('takes the configuration root from GANETI_OS_CONFIG_DIR', () => {
    const providers = new Registry({});
    expect(defaultContext(providers, { GANETI_OS_CONFIG_DIR: '/srv/etc' }).configRoot).toBe('/srv/etc');
    expect(defaultContext(providers, {}).configRoot).toBeUndefined();
  });
});
