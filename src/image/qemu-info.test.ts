import { describe, expect, it } from 'vitest';
import { checkQemuInfo } from './qemu-info.js';
import { parseQemuProgress } from './write.js';

const header = { version: 3 as const, virtualSize: 1024, clusterBits: 16, headerLength: 112, dirty: false };
const info = (extra: Record<string, unknown> = {}, data: Record<string, unknown> = {}) =>
  JSON.stringify({
    format: 'qcow2',
    'virtual-size': 1024,
    'format-specific': { type: 'qcow2', data },
    ...extra,
  });

describe('checkQemuInfo', () => {
  it('accepts agreement', () => {
    expect(() => checkQemuInfo(info(), header)).not.toThrow();
  });
  it('refuses any disagreement or reference to another file', () => {
    expect(() => checkQemuInfo(info({ format: 'raw' }), header)).toThrow(/reads the image as raw/);
    expect(() => checkQemuInfo(info({ 'virtual-size': 2048 }), header)).toThrow(/virtual size of 2048/);
    expect(() => checkQemuInfo(info({ 'backing-filename': '/etc/passwd' }), header)).toThrow(/backing file/);
    expect(() => checkQemuInfo(info({}, { 'data-file': '/dev/sda' }), header)).toThrow(/external data file/);
    expect(() => checkQemuInfo(info({ encrypted: true }), header)).toThrow(/encrypted/);
    expect(() => checkQemuInfo('qemu-img: oops', header)).toThrow(/not JSON/);
  });
});

describe('parseQemuProgress', () => {
  it('reads the last percentage of a chunk', () => {
    expect(parseQemuProgress('    (0.00/100%)\r    (12.50/100%)\r')).toBe(12.5);
    expect(parseQemuProgress('    (100.00/100%)\n')).toBe(100);
    expect(parseQemuProgress('nothing')).toBeUndefined();
  });
});
