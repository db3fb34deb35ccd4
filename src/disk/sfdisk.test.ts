import { describe, expect, it } from 'vitest';
import { planLayout } from './layout.js';
import { parseSfdiskJson, renderSfdiskScript } from './sfdisk.js';

const GiB = 1024 ** 3;

describe('renderSfdiskScript', () => {
  it('renders gpt with names and types', () => {
    expect(renderSfdiskScript(planLayout(GiB, { style: 'gpt', filesystem: 'ext4', swapMiB: 32 }))).toBe(
      [
        'label: gpt',
        'unit: sectors',
        'first-lba: 2048',
        '',
        'start=2048, size=2048, type=21686148-6449-6E6F-744E-656564454649, name="bios-boot"',
        'start=4096, size=131072, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="esp"',
        'start=135168, size=65536, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F, name="swap"',
        'start=200704, size=1894400, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"',
        '',
      ].join('\n'),
    );
  });
  it('renders msdos with the bootable flag', () => {
    expect(renderSfdiskScript(planLayout(GiB, { style: 'msdos', filesystem: 'ext4', bootMiB: 64 }))).toBe(
      'label: dos\nunit: sectors\n\nstart=2048, size=131072, type=83, bootable\nstart=133120, size=1964032, type=83\n',
    );
  });
  it('refuses style none', () => {
    expect(() => renderSfdiskScript(planLayout(GiB, { style: 'none', filesystem: 'ext4' }))).toThrow(
      /no partition table/,
    );
  });
});

const GPT_FIXTURE = `{
   "partitiontable": {
      "label": "gpt", "id": "16CF872A-BFAD-814E-BF6D-4D268FD7FAA9", "device": "/dev/loop0", "unit": "sectors",
      "firstlba": 2048, "lastlba": 1228766, "sectorsize": 512,
      "partitions": [
         {"node": "/dev/loop0p1", "start": 2048, "size": 2048, "type": "21686148-6449-6E6F-744E-656564454649", "uuid": "9692C9C9", "name": "bios"},
         {"node": "/dev/loop0p2", "start": 4096, "size": 131072, "type": "c12a7328-f81f-11d2-ba4b-00a0c93ec93b", "uuid": "8A08BC38"},
         {"node": "/dev/loop0p10", "start": 135168, "size": 1000000, "type": "0FC63DAF-8483-4772-8E79-3D69D8477DE4"}
      ]
   }
}`;
const DOS_FIXTURE = `{"partitiontable": {"label": "dos", "id": "0x1234", "device": "/tmp/x.img", "unit": "sectors", "sectorsize": 512,
  "partitions": [{"node": "/tmp/x.img1", "start": 2048, "size": 4096, "type": "83", "bootable": true}, {"node": "/tmp/x.img2", "start": 6144, "size": 100, "type": "82"}]}}`;

describe('parseSfdiskJson', () => {
  it('parses gpt, numbering partitions by the node suffix', () => {
    const t = parseSfdiskJson(GPT_FIXTURE);
    expect(t.label).toBe('gpt');
    expect(t.partitions.map((p) => [p.number, p.start, p.size, p.type, p.name])).toEqual([
      [1, 2048, 2048, '21686148-6449-6E6F-744E-656564454649', 'bios'],
      [2, 4096, 131072, 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', undefined],
      [10, 135168, 1000000, '0FC63DAF-8483-4772-8E79-3D69D8477DE4', undefined],
    ]);
  });
  it('parses dos with bootable flags', () => {
    const t = parseSfdiskJson(DOS_FIXTURE);
    expect(t.partitions.map((p) => [p.number, p.type, p.bootable])).toEqual([
      [1, '83', true],
      [2, '82', false],
    ]);
  });
  it('rejects garbage and unknown labels', () => {
    expect(() => parseSfdiskJson('nope')).toThrow(/not JSON/);
    expect(() => parseSfdiskJson('{"partitiontable": {"label": "sun"}}')).toThrow(
      /unsupported partition table label sun/,
    );
  });
});
