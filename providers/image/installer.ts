/**
 * What the shared Linux pipeline needs from the image provider: the variant with the OS parameters
 * over it, the image found (a file of image-dir, or fetched into the cache and verified) and
 * detected, then either a whole disk written (raw, qcow2: `wholeDisk`) or a tree unpacked into the
 * partitioned disk (dump, tarball: `begin`/`fill`); the shared guest configuration after either,
 * with instance-image's static addresses and hook variables.
 */
import {
  detectImage,
  fetchImage,
  LINUX_FAMILY,
  loadVariant,
  readGuestFile,
  readRegularNoFollow,
  type DetectedImage,
  type GuestPolicy,
  type GuestStep,
  type LinuxConfig,
  type LinuxInstaller,
  type PopulateInput,
  type WholeDisk,
} from 'ganeti-os/sdk/linux';
import { linuxSettings, OsError, redactUrl, type InstanceInfo, type ProviderPaths } from 'ganeti-os/sdk';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { imageLegacyMapping } from './legacy.js';
import { staticAddress, subnetName, parseShellAssignments, withStaticAddress } from './networks.js';
import { fillTree, writeWholeDisk } from './populate.js';
import { describeLocation, imageNameProblem, locateImage, type ImageLocation } from './source.js';
import { imageSchema, imageVariant, type DeclaredFormat, type ImageVariant } from './schema.js';

/** The OS parameters as the operations see them (index.ts declares them). */
export interface ImageParams {
  image?: string | undefined;
  filesystem?: string | undefined;
  'root-password'?: string | undefined;
  'ssh-key'?: string | undefined;
}

/** The image at hand: its local path and what it holds. */
export interface Acquired {
  detected: DetectedImage;
  /** Fetched into the cache (false: a file of image-dir). */
  fetched: boolean;
}

export interface ImageConfig extends LinuxConfig {
  variant: ImageVariant;
  location: ImageLocation;
  declared: DeclaredFormat | undefined;
  paths: ProviderPaths;
  /** Set once the image is found and detected (memoized for the run). */
  acquiring?: Promise<Acquired>;
  acquired?: Acquired;
}

const TREE_FORMATS: readonly string[] = ['dump', 'tarball'];

/** The image directory's files only: `path` must resolve inside `dir` (no symlink out of it). */
function checkInsideDir(loc: Extract<ImageLocation, { kind: 'file' }>): string {
  let real: string;
  let dir: string;
  try {
    dir = realpathSync(loc.dir);
    real = realpathSync(loc.path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new OsError('E_IMAGE_MISSING', `image ${loc.path} does not exist`, {
        hint: `put the image into ${loc.dir}, or name one that is there`,
      });
    }
    throw e;
  }
  if (!real.startsWith(`${dir}/`)) {
    throw new OsError('E_IMAGE_NAME', `image ${loc.name} resolves outside ${loc.dir} (to ${real})`, {
      hint: `name an image file of ${loc.dir}; links out of the image directory are refused`,
    });
  }
  return real;
}

/** Find (or fetch) the image and detect it; once per run. */
export function acquire(
  cfg: ImageConfig,
  run: Pick<PopulateInput, 'runner' | 'log' | 'signal'>,
): Promise<Acquired> {
  cfg.acquiring ??= (async () => {
    const loc = cfg.location;
    let path: string;
    let fetched = false;
    if (loc.kind === 'file') path = checkInsideDir(loc);
    else {
      const got = await fetchImage(
        {
          url: loc.url,
          ...(loc.sha256 ? { sha256: loc.sha256 } : {}),
          ...(loc.sha512 ? { sha512: loc.sha512 } : {}),
          ...(loc.sums ? { sums: loc.sums } : {}),
        },
        { cacheDir: cfg.paths.cacheDir, log: run.log, signal: run.signal, tty: process.stderr.isTTY },
      );
      path = got.path;
      fetched = true;
      run.log.info(
        `image ${redactUrl(loc.url)}: ${got.hit ? 'in the cache' : `fetched (${got.bytes} bytes)`}`,
      );
    }
    const detected = await detectImage(path, run.runner, cfg.declared);
    cfg.acquired = { detected, fetched };
    return cfg.acquired;
  })();
  return cfg.acquiring;
}

function memoryMiB(instance: InstanceInfo | undefined): number | undefined {
  const raw = instance?.be['maxmem'] ?? instance?.be['memory'];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

async function configure(
  paths: ProviderPaths,
  variant: string,
  params: ImageParams,
  runner: Parameters<typeof loadVariant>[3],
  instance: InstanceInfo | undefined,
): Promise<ImageConfig> {
  const resolved = await loadVariant(
    { os: 'image', schema: imageSchema, legacy: imageLegacyMapping },
    paths,
    variant,
    runner,
  );
  const v = imageVariant(resolved.values);
  if (params.image) {
    const problem = imageNameProblem(params.image);
    if (problem) {
      throw new OsError('E_IMAGE_NAME', `OS parameter image ${JSON.stringify(params.image)}: ${problem}`, {
        hint: `give the name of a file in ${v.imageDir}, not a path`,
      });
    }
  }
  const location = locateImage(v, params.image);
  if (!location) {
    throw new OsError('E_VARIANT_VALUE', `variant ${resolved.name} names no image`, {
      hint: 'set source (a file of image-dir or an http(s) URL) or image-name in the variant',
    });
  }
  if (location.kind === 'url' && !location.sha256 && !location.sha512 && !location.sums) {
    throw new OsError(
      'E_FETCH_NO_CHECKSUM',
      `variant ${resolved.name}: ${redactUrl(location.url)} has no checksum`,
      {
        hint: 'set sha256 or sha512 (or sums with sums-signature and keyring) in the variant',
      },
    );
  }
  // `memory` is a keyword of the image schema's swap (schema.ts), outside the shared type.
  const swap =
    (v.swap as ImageVariant['swap'] | 'memory') === 'memory' ? (memoryMiB(instance) ?? 'none') : v.swap;
  const hooks = v.cloudInit ? [...v.hooks, join(paths.shareDir, 'hooks', 'cloud-init-nocloud')] : v.hooks;
  return {
    resolved,
    settings: linuxSettings({
      ...resolved.values,
      swap,
      hooks,
      ...(params.filesystem ? { filesystem: params.filesystem } : {}),
      'ssh-authorized-keys': params['ssh-key']
        ? [...v.sshAuthorizedKeys, params['ssh-key']]
        : v.sshAuthorizedKeys,
    }),
    ...(params['root-password'] ? { rootPassword: params['root-password'] } : {}),
    ...(params.filesystem ? { explicitFilesystem: true } : {}),
    variant: v,
    location,
    declared: v.format === 'auto' ? undefined : v.format,
    paths,
  };
}

/** Any Linux guest; ifupdown recognised by its dpkg lists as on Debian; no distribution commands. */
const IMAGE_FAMILY = {
  ...LINUX_FAMILY,
  name: 'image',
  async detectNetwork(target: string) {
    for (const p of ['/var/lib/dpkg/info/ifupdown.list', '/var/lib/dpkg/info/ifupdown2.list'])
      if ((await readGuestFile(target, p)) !== undefined) return 'ifupdown' as const;
    return undefined;
  },
};

/** Keep what the image has unless the variant sets it: locale and time zone. Pure. */
export function imagePolicy(cfg: Pick<ImageConfig, 'resolved'>): GuestPolicy {
  const p = cfg.resolved.provenance;
  const skip: GuestStep[] = [];
  if (p['locale'] === 'default' && p['timezone'] === 'default') skip.push('locale');
  return { family: IMAGE_FAMILY, skip };
}

/** instance-image's IMAGE_TYPE for its hooks. */
function legacyType(format: string | undefined): string {
  return format === 'raw' || format === 'qcow2' ? 'qemu' : (format ?? '');
}

function guestInstance(cfg: ImageConfig, info: InstanceInfo): Promise<InstanceInfo> {
  return Promise.resolve(staticInstance(cfg, info));
}

/** The instance with instance-image's static address for it, when its networks files give one. */
function staticInstance(cfg: ImageConfig, info: InstanceInfo): InstanceInfo {
  const dir = cfg.variant.networksDir || join(cfg.paths.configDir, 'networks');
  if (info.name.includes('/')) return info;
  const instanceFile = join(dir, 'instances', info.name);
  const inst = readRegularNoFollow(instanceFile, 64 * 1024);
  if (!inst) return info;
  const instVars = parseShellAssignments(inst.content.toString('utf8'), instanceFile);
  const subnetFile = join(dir, 'subnets', subnetName(instVars, instanceFile));
  const sub = readRegularNoFollow(subnetFile, 64 * 1024);
  if (!sub) {
    throw new OsError('E_VARIANT_VALUE', `${instanceFile}: subnet file ${subnetFile} is missing`, {
      hint: 'create the subnet file (NETMASK, GATEWAY) or fix SUBNET',
    });
  }
  const a = staticAddress(instVars, parseShellAssignments(sub.content.toString('utf8'), subnetFile), {
    instance: instanceFile,
    subnet: subnetFile,
  });
  return withStaticAddress(info, a);
}

const installer: LinuxInstaller<ImageParams, ImageConfig> = {
  os: 'image',
  configure: ({ paths, variant, params, runner, instance }) =>
    configure(paths, variant, params, runner, instance),
  describe: (cfg) =>
    `${describeLocation(cfg.location)}${cfg.declared ? ` (${cfg.declared})` : ''}${cfg.variant.nomount ? ', nomount' : ''}`,
  async wholeDisk(cfg, run): Promise<WholeDisk | undefined> {
    // A URL of a declared tree format is fetched while the disk is prepared (begin); else it is
    // found and detected now, before the disk is touched.
    if (cfg.location.kind === 'url' && cfg.declared && TREE_FORMATS.includes(cfg.declared)) return undefined;
    const { detected } = await acquire(cfg, run);
    if (TREE_FORMATS.includes(detected.format)) {
      if (cfg.variant.nomount) {
        throw new OsError(
          'E_VARIANT_VALUE',
          `variant ${cfg.resolved.name}: nomount needs a disk image, not a ${detected.format}`,
          {
            hint: 'nomount is for raw and qcow2 images of opaque guests; remove it',
          },
        );
      }
      return undefined;
    }
    return writeWholeDisk(detected, cfg.variant.nomount, run);
  },
  begin(cfg, run) {
    const got = acquire(cfg, run);
    got.catch(() => undefined); // awaited in fill, or settled
    return {
      settled: () => got.catch(() => undefined),
      // The tree brings its own /boot (and /boot/grub): grub-install must not race the unpacking.
      needsEmptyTarget: true,
      fill: async (disk) => fillTree((await got).detected, disk, run),
    };
  },
  guest: (cfg) => imagePolicy(cfg),
  boot: (cfg) => (cfg.settings.boot.bootloader === 'grub' ? 'grub' : 'none'),
  guestInstance,
  hookVars: (cfg, devices) => ({
    IMAGE_TYPE: legacyType(cfg.acquired?.detected.format ?? cfg.declared),
    IMAGE_NAME: cfg.variant.imageName,
    IMAGE_DIR: cfg.variant.imageDir,
    ARCH: cfg.variant.arch,
    KERNEL_ARGS: cfg.variant.kernelArgs,
    NETWORKS_DIR: cfg.variant.networksDir || join(cfg.paths.configDir, 'networks'),
    ROOT_DEV: devices.rootDevice ?? '',
    BOOT_DEV: devices.bootDevice ?? '',
  }),
  rawExport: (cfg) => cfg.variant.nomount,
};

export default installer;
