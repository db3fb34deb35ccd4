/**
 * ganeti-instance-image's deployment workflow, with the files its users write, unchanged: a golden
 * instance's /boot and / dumped the way its README says (`dump -0 -q -z9 -f
 * ${IMAGE_DIR}/${IMAGE_NAME}-${ARCH}-boot.dump`, and -root.dump), `variants/default.conf` with
 * IMAGE_NAME, IMAGE_TYPE=dump, IMAGE_DIR, ARCH and CUSTOMIZE_DIR, the README's subnet file
 * (`networks/subnets/vlan42`) and instance file (`networks/instances/myinstance.osuosl.org`), and a
 * hook in CUSTOMIZE_DIR written the way its example hooks are (`. common.sh`, `debug set -x`,
 * `log_error`, TARGET BLOCKDEV ROOT_DEV BOOT_DEV IMAGE_TYPE). The image provider's create (a Ganeti-like
 * environment) restores both dumps into its layout (/boot, swap the size of the memory, /), and
 * the guest's network configuration carries the static address of the files; an instance without
 * an instance file keeps DHCP.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot } from '../helpers/disk.js';
import { sfdiskJson } from '../integration/debootstrap/image.js';
import {
  GOLDEN_MACHINE_ID,
  imageEnv,
  installImageFixture,
  lastLine,
  leakWatch,
  makeGoldenTree,
  MiB,
  withImage,
  type ImageFixture,
} from '../integration/image-provider/fixture.js';

const IMAGE_NAME = 'bookworm-golden';
const ARCH = 'x86_64';
const DISK_MiB = 1024;
const MEMORY_MiB = 512; // INSTANCE_BE_maxmem of the environment: instance-image's swap size

/** The README's subnet and instance files, as written there. */
const SUBNET_VLAN42 = `NETMASK="255.255.255.0"
GATEWAY="192.168.1.1"
DNS_DOMAIN="example.org"
DNS_SEARCH="example.org example.net"
DNS_SERVERS="8.8.8.8 4.4.4.4"
`;
const INSTANCE_FILE = `ADDRESS=192.168.1.100
SUBNET=vlan42
`;

/** A hook in the style of instance-image's examples (they all start with these lines). */
const HOOK = `#!/bin/bash
set -e

. common.sh

debug set -x

if [ -z "\${TARGET}" -o ! -d "\${TARGET}" ] ; then
    log_error "Missing target directory"
    exit 1
fi

cat > \${TARGET}/root/deployed-by-hook << EOF
TARGET=\${TARGET}
BLOCKDEV=\${BLOCKDEV}
ROOT_DEV=\${ROOT_DEV}
BOOT_DEV=\${BOOT_DEV}
IMAGE_TYPE=\${IMAGE_TYPE}
INSTANCE_NAME=\${INSTANCE_NAME}
EOF
exit 0
`;

let fx: ImageFixture;

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `dump -0 -q -z9 -f <out>` of an ext filesystem made from `tree` (dump reads a device). */
function makeDumpOf(tree: string, fstype: string, out: string, work: string): void {
  const fs = join(work, `${fstype}-${process.pid}.img`);
  sh('mke2fs', ['-q', '-F', '-t', fstype, '-d', tree, fs, '64M']);
  const loop = sh('losetup', ['-r', '-f', '--show', fs]).trim();
  try {
    sh('dump', ['-0', '-q', '-z9', '-f', out, loop]);
  } finally {
    sh('losetup', ['-d', loop]);
    rmSync(fs, { force: true });
  }
}

beforeAll(() => {
  if (!isRoot) return;
  fx = installImageFixture((f) => {
    // The golden instance: its root, and its /boot as a separate filesystem.
    const root = join(f.work, 'golden-root');
    const boot = join(f.work, 'golden-boot');
    makeGoldenTree(root);
    mkdirSync(join(boot, 'grub'), { recursive: true });
    writeFileSync(join(boot, 'vmlinuz-6.1.0-golden-amd64'), 'not a kernel\n');
    writeFileSync(join(boot, 'grub', 'grub.cfg'), '# golden\n');
    makeDumpOf(boot, 'ext3', join(f.images, `${IMAGE_NAME}-${ARCH}-boot.dump`), f.work);
    makeDumpOf(root, 'ext3', join(f.images, `${IMAGE_NAME}-${ARCH}-root.dump`), f.work);

    const hooks = join(f.configDir, 'hooks');
    mkdirSync(hooks);
    writeFileSync(join(hooks, 'deployed'), HOOK);
    chmodSync(join(hooks, 'deployed'), 0o755);
    writeFileSync(
      join(f.configDir, 'variants', 'default.conf'),
      [
        `IMAGE_NAME="${IMAGE_NAME}"`,
        'IMAGE_TYPE="dump"',
        `IMAGE_DIR="${f.images}"`,
        `ARCH="${ARCH}"`,
        `CUSTOMIZE_DIR="${hooks}"`,
        '',
      ].join('\n'),
    );
    // The test tree has no kernel: only the bootloader is turned off, in a YAML file beside it.
    writeFileSync(join(f.configDir, 'variants', 'default.yaml'), 'bootloader: none\n');
    mkdirSync(join(f.configDir, 'networks', 'subnets'), { recursive: true });
    mkdirSync(join(f.configDir, 'networks', 'instances'), { recursive: true });
    writeFileSync(join(f.configDir, 'networks', 'subnets', 'vlan42'), SUBNET_VLAN42);
    writeFileSync(join(f.configDir, 'networks', 'instances', 'myinstance.osuosl.org'), INSTANCE_FILE);
  });
});

afterAll(() => fx?.dispose());

async function create(name: string): Promise<{ disk: string; stderr: string }> {
  const disk = fx.newDisk(DISK_MiB * MiB, `${name}.img`).path;
  const watch = leakWatch(fx, [disk]);
  const r = await fx.run(
    'create',
    imageEnv({
      name,
      variant: 'default',
      disks: [{ path: disk, sizeMiB: DISK_MiB }],
      nics: [{ mac: 'aa:00:00:00:0c:01' }],
    }),
  );
  expect(r.code, r.stderr).toBe(0);
  expect(watch.check()).toEqual([]);
  return { disk, stderr: r.stderr };
}

describe.skipIf(!isRoot)("instance-image's deployment notes, reproduced", () => {
  let disk = '';

  it('default.conf (IMAGE_TYPE=dump): both dumps restored into /boot, swap, /', async () => {
    const r = await create('myinstance.osuosl.org');
    disk = r.disk;
    expect(lastLine(r.stderr)).toMatch(/myinstance\.osuosl\.org/);
    const table = sfdiskJson(disk)!;
    expect(table.label).toBe('dos');
    expect(table.partitions).toHaveLength(3);
    // swap = the instance's memory (instance-image's default)
    expect(table.partitions[1]!.size * 512).toBeGreaterThanOrEqual(MEMORY_MiB * MiB);
    expect(table.partitions[1]!.size * 512).toBeLessThan((MEMORY_MiB + 2) * MiB);
    await withImage(disk, (g) => {
      // FILESYSTEM defaults to ext3 for /; /boot is an ext filesystem the guest's GRUB reads.
      expect(g.filesystems.map((f) => f.TYPE)).toEqual([expect.stringMatching(/^ext[234]$/), 'swap', 'ext3']);
      expect(g.read('etc/image-marker')).toBe('golden\n');
      expect(g.read('boot/grub/grub.cfg')).toBe('# golden\n');
      expect(g.exists('boot/vmlinuz-6.1.0-golden-amd64')).toBe(true);
      expect(g.exists('restoresymtable')).toBe(false);
      expect(g.exists('boot/restoresymtable')).toBe(false);
      expect(g.read('etc/hostname').trim()).toBe('myinstance');
      expect(g.read('etc/machine-id').trim()).not.toBe(GOLDEN_MACHINE_ID);
      const fstab = g.read('etc/fstab');
      expect(fstab).toContain(`UUID=${g.filesystems[2]!.UUID}`);
      expect(fstab).toContain(`UUID=${g.filesystems[0]!.UUID}`);
    });
  });

  it('the guest gets the static address of networks/instances/<fqdn> and networks/subnets/vlan42', async () => {
    await withImage(disk, (g) => {
      const dir = join(g.root, 'etc/network/interfaces.d');
      const text = readdirSync(dir)
        .map((n) => readFileSync(join(dir, n), 'utf8'))
        .join('\n');
      expect(text).toMatch(/iface \S+ inet static\n(\s+.*\n)*?\s+address 192\.168\.1\.100\/24\n/);
      expect(text).toMatch(/\s+gateway 192\.168\.1\.1\n/);
      expect(text).not.toMatch(/inet dhcp/);
    });
  });

  it('the CUSTOMIZE_DIR hook ran with the variables instance-image gives it', async () => {
    await withImage(disk, (g) => {
      const env = g.read('root/deployed-by-hook');
      expect(env).toMatch(/^IMAGE_TYPE=dump$/m);
      expect(env).toMatch(/^INSTANCE_NAME=myinstance\.osuosl\.org$/m);
      expect(env).toMatch(/^BLOCKDEV=\/dev\/loop\d+$/m);
      expect(env).toMatch(/^BOOT_DEV=\/dev\/loop\d+p1$/m);
      expect(env).toMatch(/^ROOT_DEV=\/dev\/loop\d+p3$/m);
      expect(env).toMatch(/^TARGET=\/\S+$/m);
    });
  });

  it('an instance without an instance file keeps DHCP', async () => {
    const { disk: other } = await create('other.osuosl.org');
    await withImage(other, (g) => {
      const dir = join(g.root, 'etc/network/interfaces.d');
      const text = readdirSync(dir)
        .map((n) => readFileSync(join(dir, n), 'utf8'))
        .join('\n');
      expect(text).toMatch(/inet dhcp/);
      expect(text).not.toContain('192.168.1.100');
    });
  });
});
