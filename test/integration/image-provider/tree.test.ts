/**
 * The image provider's tree formats through the installed scripts: a zstd tarball named by a YAML
 * variant, and instance-image's own configuration (a legacy variant .conf, the defaults file, a
 * dump with IMAGE_NAME/ARCH naming, static addresses and DNS from networks/ files, CUSTOMIZE_DIR
 * hooks with their variables and common.sh helpers). Each clone gets its hostname, a fresh machine-id and ssh host keys, and an
 * fstab naming the new filesystems. The `image` parameter picks another image by name; verify
 * refuses a path or a name that leads out of the image directory.
 */
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot } from '../../helpers/disk.js';
import {
  GOLDEN_HOST_KEY,
  GOLDEN_MACHINE_ID,
  imageEnv,
  installImageFixture,
  lastLine,
  leakWatch,
  makeDump,
  makeGoldenTree,
  makeZstdTarball,
  MiB,
  withImage,
  type ImageFixture,
} from './fixture.js';

let fx: ImageFixture;

const HOOK = `#!/bin/bash
set -e
{
  echo "TARGET=$TARGET"
  echo "BLOCKDEV=$BLOCKDEV"
  echo "ROOT_DEV=$ROOT_DEV"
  echo "BOOT_DEV=$BOOT_DEV"
  echo "IMAGE_TYPE=$IMAGE_TYPE"
  echo "IMAGE_NAME=$IMAGE_NAME"
  echo "ARCH=$ARCH"
} > "$TARGET/root/hook-env"
`;

// What instance-image's example hooks (interfaces, ssh) do with its common.sh, re-written: its
// helpers, the OS type of the guest, its network files sourced, a cleanup on exit.
const COMMON_SH_HOOK = `#!/bin/bash
set -e
. common.sh
debug set -x
if [ -z "\${TARGET}" -o ! -d "\${TARGET}" ] ; then
    log_error "Missing target directory"
    exit 1
fi
out="\${TARGET}/root/common-sh"
CLEANUP+=("touch \${TARGET}/root/common-sh-cleanup")
get_os_type $TARGET
get_os $TARGET
get_os_release $TARGET
debian_setup() {
    echo "OS_TYPE=$OS_TYPE OPERATING_SYSTEM=$OPERATING_SYSTEM OS_RELEASE=$OS_RELEASE" > "$out"
    if [ -f "\${NETWORKS_DIR}/instances/\${INSTANCE_NAME}" ] ; then
        source "\${NETWORKS_DIR}/instances/\${INSTANCE_NAME}"
        source "\${NETWORKS_DIR}/subnets/\${SUBNET}"
        echo "static \${ADDRESS} \${NETMASK} \${GATEWAY} dns \${DNS_SERVERS}" >> "$out"
    fi
    if [ -e \${TARGET}/etc/debian_version ] ; then
        [ -f "\${TARGET}/etc/ssh/ssh_host_rsa_key" ] && rm -f \${TARGET}/etc/ssh/ssh_host_rsa_key* && \\
            ssh-keygen -t rsa -q -N '' -f \${TARGET}/etc/ssh/ssh_host_rsa_key
        echo "ssh keys replaced" >> "$out"
    fi
}
if [ "\${NIC_COUNT}" -gt 0 -a -n "\${OS_TYPE}" ] ; then
    \${OS_TYPE}_setup
else
    log_error "Unsupported OS_TYPE"
    exit 1
fi
exit 0
`;

beforeAll(() => {
  if (!isRoot) return;
  fx = installImageFixture((f) => {
    const golden = join(f.work, 'golden');
    const other = join(f.work, 'other');
    makeGoldenTree(golden);
    makeGoldenTree(other, 'other');
    makeZstdTarball(golden, join(f.images, 'golden.tar.zst'));
    makeZstdTarball(other, join(f.images, 'other.tar.zst'));
    makeDump(golden, join(f.images, 'debian-12-x86_64-root.dump'), f.work);
    // A name that leads out of the image directory.
    symlinkSync('/etc/hostname', join(f.images, 'escape.tar.zst'));
    const v = (name: string, text: string): void =>
      writeFileSync(join(f.configDir, 'variants', `${name}.yaml`), text);
    v('tar', `source: golden.tar.zst\nimage-dir: ${f.images}\nbootloader: none\n`);
    // instance-image's files, unchanged: its defaults file and a variant .conf.
    writeFileSync(f.defaultsFile, `ARCH="x86_64"\nIMAGE_DIR="${f.images}"\nSWAP_SIZE="64"\n`);
    writeFileSync(
      join(f.configDir, 'variants', 'legacy.conf'),
      'IMAGE_NAME="debian-12"\nIMAGE_TYPE="dump"\nFILESYSTEM="ext4"\n',
    );
    // The kernel-less test tree boots nothing: only the bootloader is set in YAML.
    v('legacy', 'bootloader: none\n');
    mkdirSync(join(f.configDir, 'networks', 'instances'), { recursive: true });
    mkdirSync(join(f.configDir, 'networks', 'subnets'), { recursive: true });
    writeFileSync(
      join(f.configDir, 'networks', 'instances', 'web1.example.org'),
      'ADDRESS=192.0.2.10\nSUBNET=lan\n',
    );
    writeFileSync(
      join(f.configDir, 'networks', 'subnets', 'lan'),
      'NETMASK=255.255.255.0\nGATEWAY=192.0.2.1\nDNS_SERVERS="192.0.2.53 192.0.2.54"\n' +
        'DNS_DOMAIN=example.org\nDNS_SEARCH="corp.example.org"\n',
    );
    mkdirSync(join(f.configDir, 'hooks'));
    writeFileSync(join(f.configDir, 'hooks', 'envdump'), HOOK);
    chmodSync(join(f.configDir, 'hooks', 'envdump'), 0o755);
    writeFileSync(join(f.configDir, 'hooks', 'instance-image'), COMMON_SH_HOOK);
    chmodSync(join(f.configDir, 'hooks', 'instance-image'), 0o755);
  });
});

afterAll(() => fx?.dispose());

const NIC = { mac: 'aa:00:00:12:34:56' };

async function create(name: string, variant: string, params: Record<string, string> = {}): Promise<string> {
  const disk = fx.newDisk(512 * MiB, `${name}.img`);
  const watch = leakWatch(fx, [disk.path]);
  const r = await fx.run(
    'create',
    imageEnv({ name, variant, disks: [{ path: disk.path, sizeMiB: 512 }], nics: [NIC], params }),
  );
  expect(r.code, r.stderr).toBe(0);
  expect(watch.check()).toEqual([]);
  return disk.path;
}

function uuidOf(fstab: string, mountpoint: string): string | undefined {
  for (const line of fstab.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1] === mountpoint && f[0]?.startsWith('UUID=')) return f[0].slice(5);
  }
  return undefined;
}

describe.skipIf(!isRoot)('image provider: tree formats', () => {
  it('a zstd tarball: own hostname, fresh machine-id and ssh host keys, fstab by the new UUID', async () => {
    const disk = await create('tar1.example.org', 'tar');
    await withImage(disk, (g) => {
      expect(g.read('etc/image-marker')).toBe('golden\n');
      expect(g.read('etc/hostname').trim()).toBe('tar1');
      const id = g.read('etc/machine-id').trim();
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(id).not.toBe(GOLDEN_MACHINE_ID);
      expect(g.read('etc/ssh/ssh_host_ed25519_key')).not.toBe(GOLDEN_HOST_KEY);
      expect(g.read('etc/ssh/ssh_host_ed25519_key.pub')).toMatch(/root@tar1/);
      const root = g.filesystems.find((f) => f.TYPE === 'ext4')!;
      expect(uuidOf(g.read('etc/fstab'), '/')).toBe(root.UUID);
      // The image's own root password is kept (root-password: keep).
      expect(g.read('etc/shadow')).toMatch(/^root:\$6\$golden\$hash:/);
    });
  });

  it("instance-image's legacy variant: a dump, its layout, static address from networks/, hooks with its variables", async () => {
    const disk = await create('web1.example.org', 'legacy');
    await withImage(disk, (g) => {
      expect(g.read('etc/image-marker')).toBe('golden\n');
      expect(g.read('etc/hostname').trim()).toBe('web1');
      expect(g.read('etc/machine-id').trim()).not.toBe(GOLDEN_MACHINE_ID);
      expect(g.exists('restoresymtable')).toBe(false);
      // FILESYSTEM=ext4; the implied 100 MB /boot and SWAP_SIZE=64 from the defaults file.
      const types = g.filesystems.map((f) => f.TYPE);
      expect(types).toEqual(['ext4', 'swap', 'ext4']);
      const fstab = g.read('etc/fstab');
      expect(uuidOf(fstab, '/')).toBe(g.filesystems[2]!.UUID);
      expect(uuidOf(fstab, '/boot')).toBe(g.filesystems[0]!.UUID);
      const stanza = readFileSync(join(g.root, 'etc/network/interfaces.d/nic0'), 'utf8');
      expect(stanza).toMatch(/iface nic0 inet static\n\s+address 192\.0\.2\.10\/24\n\s+gateway 192\.0\.2\.1/);
      // The subnet file's DNS: in the stanza (resolvconf) and in /etc/resolv.conf.
      expect(stanza).toMatch(/^\s+dns-nameservers 192\.0\.2\.53 192\.0\.2\.54$/m);
      expect(stanza).toMatch(/^\s+dns-search example\.org corp\.example\.org$/m);
      const resolv = g.read('etc/resolv.conf');
      expect(resolv).toMatch(
        /^search example\.org corp\.example\.org\nnameserver 192\.0\.2\.53\nnameserver 192\.0\.2\.54\n$/m,
      );
      // An instance-image hook starting with \`. common.sh\` ran unchanged: its helpers, its files.
      expect(g.read('root/common-sh')).toBe(
        'OS_TYPE=debian OPERATING_SYSTEM=debian OS_RELEASE=12.5\n' +
          'static 192.0.2.10 255.255.255.0 192.0.2.1 dns 192.0.2.53 192.0.2.54\nssh keys replaced\n',
      );
      expect(g.exists('root/common-sh-cleanup')).toBe(true);
      const env = g.read('root/hook-env');
      expect(env).toMatch(/^IMAGE_TYPE=dump$/m);
      expect(env).toMatch(/^IMAGE_NAME=debian-12$/m);
      expect(env).toMatch(/^ARCH=x86_64$/m);
      expect(env).toMatch(/^ROOT_DEV=\/dev\/loop\d+p3$/m);
      expect(env).toMatch(/^BOOT_DEV=\/dev\/loop\d+p1$/m);
      expect(env).toMatch(/^BLOCKDEV=\/dev\/loop\d+$/m);
    });
  });

  it('the image parameter picks another image of image-dir by name', async () => {
    const disk = await create('other1.example.org', 'tar', { image: 'other.tar.zst' });
    await withImage(disk, (g) => expect(g.read('etc/image-marker')).toBe('other\n'));
  });

  it('verify refuses an image parameter that is a path or leads out of the image directory', async () => {
    const verify = (image: string) =>
      fx.run(
        'verify',
        { OS_API_VERSION: '20', OS_NAME: 'image', OS_VARIANT: 'tar', OSP_IMAGE: image },
        {
          args: ['parameters'],
        },
      );
    for (const bad of ['../golden.tar.zst', '/etc/shadow', '..']) {
      const r = await verify(bad);
      expect(r.code, bad).not.toBe(0);
      expect(lastLine(r.stderr)).toMatch(/^error\[E_PARAM\]: OS parameter image must be a file name/);
    }
    const out = await verify('escape.tar.zst');
    expect(out.code).not.toBe(0);
    expect(lastLine(out.stderr)).toMatch(
      /^error\[E_IMAGE_NAME\]: OS parameter image "escape\.tar\.zst" resolves outside .*images \(hint: /,
    );
    const ok = await verify('other.tar.zst');
    expect(ok.code, ok.stderr).toBe(0);
  });
});
