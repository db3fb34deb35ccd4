import { describe, expect, it } from 'vitest';
import { CleanupStack } from '../../runtime/cleanup.js';
import { Logger, MemorySink } from '../../runtime/logger.js';
import { FakeRunner } from '../fake-runner.test-helper.js';
import { KpartxMapper, matchKpartxMaps, parseKpartxList } from './kpartx.js';

const LIST = `loop0-part1 : 0 2048 /dev/loop0 2048
loop0-part2 : 0 131072 /dev/loop0 4096
loop0-part3 : 0 1000000 /dev/loop0 135168
`;
// A dm name that itself contains "-1" (instance-debootstrap's grep broke on these).
const LVM_LIST = `/dev/mapper/control: open failed: No such device
xenvg-6f1e-1a2b.disk0-part1 : 0 4096 /dev/dm-3 2048
xenvg-6f1e-1a2b.disk0-part2 : 0 8192 /dev/dm-3 6144
`;

describe('kpartx -l parsing', () => {
  it('parses names, sizes and offsets and ignores noise', () => {
    expect(parseKpartxList(LVM_LIST)).toEqual([
      { name: 'xenvg-6f1e-1a2b.disk0-part1', start: 0, size: 4096, parent: '/dev/dm-3', offset: 2048 },
      { name: 'xenvg-6f1e-1a2b.disk0-part2', start: 0, size: 8192, parent: '/dev/dm-3', offset: 6144 },
    ]);
  });
  it('matches maps to partitions by start and size, not by name', () => {
    const m = matchKpartxMaps(parseKpartxList(LVM_LIST), {
      sectorSize: 512,
      partitions: [
        { number: 2, start: 6144, size: 8192 },
        { number: 1, start: 2048, size: 4096 },
      ],
    });
    expect([...m.entries()]).toEqual([
      [2, '/dev/mapper/xenvg-6f1e-1a2b.disk0-part2'],
      [1, '/dev/mapper/xenvg-6f1e-1a2b.disk0-part1'],
    ]);
  });
  it('scales 4096-byte sectors to kpartx 512-byte units', () => {
    const m = matchKpartxMaps([{ name: 'd-part1', start: 0, size: 8, parent: '/dev/x', offset: 2048 }], {
      sectorSize: 4096,
      partitions: [{ number: 1, start: 256, size: 1 }],
    });
    expect(m.get(1)).toBe('/dev/mapper/d-part1');
  });
  it('fails clearly when a partition has no map', () => {
    expect(() =>
      matchKpartxMaps(parseKpartxList(LIST), {
        sectorSize: 512,
        partitions: [{ number: 4, start: 99, size: 1 }],
      }),
    ).toThrow(/kpartx shows no map for partition 4/);
  });
});

describe('KpartxMapper against a fake device-mapper (kpartx -a cannot run on this host)', () => {
  it('runs kpartx -a -s -p -part, parses kpartx -l, and undoes with kpartx -d on unwind', async () => {
    const log = new Logger('debug', new MemorySink());
    const stack = new CleanupStack(log);
    const runner = new FakeRunner((cmd, args) =>
      cmd === 'kpartx' && args[0] === '-l' ? { stdout: LIST } : undefined,
    );
    const ctx = { runner, cleanupRunner: runner, stack, log };
    const mapper = new KpartxMapper(ctx);
    // Nodes cannot appear without device-mapper: stop before waiting for them by giving no partitions.
    const nodes = await mapper.map('/dev/loop0', { sectorSize: 512, partitions: [] });
    expect(nodes.size).toBe(0);
    expect(runner.commands().filter((c) => c.startsWith('kpartx'))).toEqual([
      'kpartx -a -s -p -part /dev/loop0',
      'kpartx -l -s -p -part /dev/loop0',
    ]);
    expect(stack.labels()).toEqual(['kpartx -d /dev/loop0']);
    await stack.unwind();
    expect(runner.commands().at(-1)).toBe('kpartx -d -s -p -part /dev/loop0');
  });
  it('maps every planned partition to /dev/mapper names from the listing', async () => {
    const log = new Logger('debug', new MemorySink());
    const stack = new CleanupStack(log);
    const runner = new FakeRunner((cmd, args) =>
      cmd === 'kpartx' && args[0] === '-l' ? { stdout: LIST } : undefined,
    );
    const mapper = new KpartxMapper({ runner, cleanupRunner: runner, stack, log });
    // /dev/null stands in for the block nodes device-mapper would create: waitForNodes must time out.
    await expect(
      mapper.map('/dev/loop0', {
        sectorSize: 512,
        partitions: [{ number: 3, start: 135168, size: 1000000 }],
      }),
    ).rejects.toThrow(/\/dev\/mapper\/loop0-part3/);
    await mapper.unmap();
    expect(runner.commands().at(-1)).toBe('kpartx -d -s -p -part /dev/loop0');
  }, 20_000);
});
