import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NIC_STATIC } from '../instances.test-helper.js';
import type { GuestNic } from '../types.js';
import { writeResolvConf } from './resolv.js';

const NIC_DNS: GuestNic = {
  ...NIC_STATIC,
  network: { ...NIC_STATIC.network, dns: { servers: ['192.0.2.53'], search: [], domain: 'example.org' } },
};

let target: string;
let lines: string[];
const log = { info: (l: string) => void lines.push(l) };

beforeEach(() => {
  target = mkdtempSync(join(tmpdir(), 'resolv-'));
  mkdirSync(join(target, 'etc'));
  lines = [];
});
afterEach(() => rmSync(target, { recursive: true, force: true }));

describe('writeResolvConf', () => {
  it('writes the file when a NIC has DNS settings', async () => {
    expect(await writeResolvConf(target, [NIC_DNS], log)).toBe(true);
    expect(readFileSync(join(target, 'etc/resolv.conf'), 'utf8')).toMatch(
      /\ndomain example\.org\nnameserver 192\.0\.2\.53\n$/,
    );
    expect(lines).toEqual([]);
  });

  it('leaves the guest alone without DNS settings', async () => {
    expect(await writeResolvConf(target, [NIC_STATIC], log)).toBe(false);
    expect(() => lstatSync(join(target, 'etc/resolv.conf'))).toThrow();
  });

  it("never replaces or follows a symlink (systemd-resolved's stub): one line says so", async () => {
    // An absolute link: followed by the host it would name the host's own file.
    symlinkSync('/run/systemd/resolve/stub-resolv.conf', join(target, 'etc/resolv.conf'));
    expect(await writeResolvConf(target, [NIC_DNS], log)).toBe(false);
    expect(readlinkSync(join(target, 'etc/resolv.conf'))).toBe('/run/systemd/resolve/stub-resolv.conf');
    expect(lines).toEqual([
      '/etc/resolv.conf is a symlink (to /run/systemd/resolve/stub-resolv.conf): left as it is; the DNS settings are in the network configuration',
    ]);
  });
});
