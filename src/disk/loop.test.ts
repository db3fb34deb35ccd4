import { describe, expect, it } from 'vitest';
import { losetupAttachArgs, parseLosetupJson } from './loop.js';

describe('losetup', () => {
  it('parses losetup -J -l', () => {
    const text = `{"loopdevices": [
      {"name": "/dev/loop0", "sizelimit": 0, "offset": 0, "autoclear": false, "ro": false, "back-file": "/tmp/t.img", "dio": false, "log-sec": 512},
      {"name": "/dev/loop1", "sizelimit": 1048576, "offset": 1048576, "autoclear": false, "ro": true, "back-file": "/srv/a b.img (deleted)", "dio": false, "log-sec": 512}
    ]}`;
    expect(parseLosetupJson(text)).toEqual([
      { name: '/dev/loop0', backFile: '/tmp/t.img', offset: 0, sizelimit: 0, ro: false },
      { name: '/dev/loop1', backFile: '/srv/a b.img', offset: 1048576, sizelimit: 1048576, ro: true },
    ]);
    expect(parseLosetupJson('')).toEqual([]);
    expect(parseLosetupJson('{"loopdevices": []}')).toEqual([]);
  });
  it('builds attach arguments without ever resizing the file', () => {
    expect(losetupAttachArgs('/x.img')).toEqual(['--find', '--show', '/x.img']);
    expect(
      losetupAttachArgs('/dev/loop0', { readOnly: true, offsetBytes: 1048576, sizeBytes: 2048 }),
    ).toEqual([
      '--find',
      '--show',
      '--read-only',
      '--offset',
      '1048576',
      '--sizelimit',
      '2048',
      '/dev/loop0',
    ]);
  });
});
