/**
 * Executor of the install: the instance data, the ganeti-os library and the configuration written
 * into the guest's /etc/ganeti-os and into a private directory for the evaluation on the node, the btrfs subvolumes
 * of that layout, `guix system build --root=<gc-root-dir>/<instance>` (the instance's GC root,
 * replaced on reinstall and recorded for `ganeti-os cache`), `guix system init` into the mounted
 * target (guix installs its own GRUB), and the ESP's files copied into the ESP for uefi. Every
 * guix call is an argument vector with a clean environment; a failure ends with one line.
 */
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OsError, type InstanceInfo } from 'ganeti-os/sdk';
import {
  writeGcRootRecord,
  writeGuestFiles,
  type GuestEntry,
  type PopulateInput,
  type PreparedDisk,
} from 'ganeti-os/sdk/linux';
import { describeGuixFailure, systemBuildArgv, systemInitArgv, type GuixCommandOptions } from './argv.js';
import { copyIntoEsp } from './esp.js';
import { describeCommand } from './failure.js';
import {
  CONFIG_GUEST_PATH,
  HOSTNAME_GUEST_PATH,
  INSTANCE_DATA_GUEST_PATH,
  instanceFacts,
  LIBRARY_GUEST_PATH,
  renderHostnameFile,
  renderInstanceData,
  type GuixDiskFacts,
} from './instance-data.js';
import { gcRootPath, guixEnv, SUBVOLUMES, xdgCacheDir } from './plan.js';
import type { GuixVariant } from './schema.js';
import { diskFacts, dropTopLevelMountPoints, guestRootOf } from './tree.js';

export interface InstallInput {
  variant: GuixVariant;
  command: GuixCommandOptions;
  /** The configuration file the variant names (an admin's or a shipped file). */
  configFile: string;
  /** The ganeti-os library the configuration loads (an admin's or the shipped file). */
  libraryFile: string;
  instance: InstanceInfo;
  /** The provider's cache directory (GC root records, default XDG cache). */
  cacheDir: string;
  /** The dns-nameservers parameter. */
  nameservers: readonly string[];
}

/** What /etc/ganeti-os holds in the guest. */
export interface GuestData {
  /** The guest's instance data (renderInstanceData). */
  instanceData: string;
  /** The ganeti-os library's text. */
  library: string;
  /** The configuration's text: written by create only (import and rename keep the guest's own). */
  config?: string;
  /** The instance name (its short name goes to /etc/ganeti-os/hostname). */
  name: string;
}

/** The files of /etc/ganeti-os in the guest: instance data, library, configuration, host name. */
export function guestDataEntries(d: GuestData): GuestEntry[] {
  const file = (path: string, content: string): GuestEntry => ({ kind: 'file', path, content, mode: 0o644 });
  return [
    { kind: 'dir', path: '/etc/ganeti-os', mode: 0o755 },
    file(INSTANCE_DATA_GUEST_PATH, d.instanceData),
    file(LIBRARY_GUEST_PATH, d.library),
    ...(d.config === undefined ? [] : [file(CONFIG_GUEST_PATH, d.config)]),
    file(HOSTNAME_GUEST_PATH, renderHostnameFile(d.name)),
  ];
}

/** Run one guix command; its failure becomes one OsError line (describeGuixFailure). Returns stdout. */
export async function runGuix(
  run: Pick<PopulateInput, 'runner' | 'log'>,
  argv: string[],
  env: Record<string, string>,
): Promise<string> {
  run.log.info(`running ${describeCommand(argv)}`);
  const r = await run.runner.run(argv[0]!, argv.slice(1), { cleanEnv: true, env, reject: false });
  if (r.failed) {
    if (r.stderr.trim()) run.log.debug(r.stderr.trimEnd());
    throw describeGuixFailure(r.stderr, argv);
  }
  return r.stdout;
}

/** The store path `guix system build` printed last. */
export function builtSystem(stdout: string): string {
  const line = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('/gnu/store/'))
    .pop();
  if (!line)
    throw new OsError('E_GUIX', 'guix system build printed no store path', {
      hint: "rerun with DEBUG_LEVEL=1 to see guix's output",
    });
  return line;
}

/** Remove the instance's previous GC root (a symlink only), so the new build can take its name. */
function dropOldRoot(root: string): void {
  const st = lstatSync(root, { throwIfNoEntry: false });
  if (!st) return;
  if (!st.isSymbolicLink()) {
    throw new OsError('E_CACHE_DIR', `${root} is in the way of the GC root (not a symlink)`, {
      hint: "remove it, or point the variant's gc-root-dir at a directory of GC roots",
    });
  }
  unlinkSync(root);
}

/** The btrfs-subvolumes layout: `@` and `@home` in the freshly made root's top level. */
async function createSubvolumes(run: Pick<PopulateInput, 'runner'>, top: string): Promise<void> {
  for (const name of [SUBVOLUMES.root, SUBVOLUMES.home])
    await run.runner.run('btrfs', ['subvolume', 'create', join(top, name)], {
      code: 'E_DISK_MKFS',
      hint: 'btrfs (btrfs-progs) could not create the subvolumes',
    });
}

/** Fill the prepared disk; returns a line for the log. */
export async function installGuix(o: InstallInput, disk: PreparedDisk, run: PopulateInput): Promise<string> {
  const v = o.variant;
  const top = disk.target;
  if (v.layout === 'btrfs-subvolumes') {
    dropTopLevelMountPoints(top);
    await createSubvolumes(run, top);
  }
  const root = guestRootOf(top, v.layout);
  // An encrypted root: the guest opens the LUKS container under the name the node used.
  const luks = disk.encryption && { uuid: disk.encryption.uuid, name: disk.encryption.name };
  const facts: GuixDiskFacts = diskFacts(
    disk.partitions.map((p) => ({ fstype: p.fstype, uuid: p.uuid, root: p.role === 'root' })),
    v.layout,
    luks,
  );
  const common = {
    instance: o.instance,
    disk: facts,
    firmware: v.firmware,
    serialConsole: v.serialConsole,
    timezone: v.timezone,
    sshAuthorizedKeys: v.sshAuthorizedKeys,
    nameservers: o.nameservers,
  };
  // The guest's copy names its own disk; the node's names the device GRUB is installed on now.
  const guestData = renderInstanceData(instanceFacts(common));
  const nodeData = renderInstanceData(
    instanceFacts({ ...common, bootloaderTargets: v.firmware === 'bios' ? [disk.device] : ['/boot/efi'] }),
  );
  const config = readFileSync(o.configFile, 'utf8');
  const library = readFileSync(o.libraryFile, 'utf8');
  await writeGuestFiles(
    root,
    guestDataEntries({ instanceData: guestData, library, config, name: o.instance.name }),
  );

  const tmp = mkdtempSync(join(tmpdir(), 'ganeti-os-guix-'));
  run.stack.push(`remove ${tmp}`, () => rmSync(tmp, { recursive: true, force: true }));
  const configCopy = join(tmp, 'config.scm');
  const dataCopy = join(tmp, 'instance-data.scm');
  const libraryCopy = join(tmp, 'ganeti-os.scm');
  writeFileSync(configCopy, config, { mode: 0o600 });
  writeFileSync(dataCopy, nodeData, { mode: 0o600 });
  writeFileSync(libraryCopy, library, { mode: 0o600 });
  const xdg = xdgCacheDir(v, o.cacheDir);
  mkdirSync(xdg, { recursive: true, mode: 0o700 });
  const env = guixEnv({ xdgCache: xdg, instanceData: dataCopy, library: libraryCopy, tmpdir: tmp });

  // One GC root per instance: the previous one goes, the new build takes its name.
  const gcRoot = gcRootPath(v.gcRootDir, o.instance.name);
  mkdirSync(v.gcRootDir, { recursive: true, mode: 0o755 });
  dropOldRoot(gcRoot);
  const system = builtSystem(await runGuix(run, systemBuildArgv(o.command, configCopy, gcRoot), env));
  const diskPath = o.instance.disks[0]?.path ?? disk.diskPath;
  await writeGcRootRecord(o.cacheDir, {
    instance: o.instance.name,
    root: gcRoot,
    system,
    disk: diskPath,
    createdAt: new Date().toISOString(),
  });
  await runGuix(run, systemInitArgv(o.command, configCopy, root, { skipChecks: v.skipChecks }), env);
  if (v.firmware === 'uefi') {
    const esp = disk.partitions.find((p) => p.role === 'esp');
    if (!esp) throw new OsError('E_BOOT_ESP', 'no EFI system partition on disk 0', { hint: 'this is a bug' });
    const n = await copyIntoEsp(run.runner, esp.device, join(root, 'boot/efi'));
    if (n === 0)
      throw new OsError(
        'E_BOOT_ESP',
        'guix system init left nothing in /boot/efi for the EFI system partition',
        {
          hint: "the variant's configuration must use grub-efi-removable-bootloader (or grub-efi-bootloader) with target /boot/efi for firmware uefi",
        },
      );
  }
  const how = `${v.firmware}, ${v.filesystem}, ${v.layout}${luks ? ', LUKS2-encrypted root' : ''}`;
  return `guix system ${system} installed (${how}); GC root ${gcRoot}`;
}
