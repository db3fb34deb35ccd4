/**
 * GRUB configuration as text, generated from data (pure): the kernel command line with the serial
 * console, /etc/default/grub, the guest's /boot/grub/grub.cfg (works without a grub package in the
 * guest) and the early config embedded in a self-built EFI image. Also picks the newest kernel.
 */
export interface SerialConsole {
  /** ttyS0, ttyS1, ... */
  port: string;
  speed: number;
}

export const DEFAULT_SERIAL: SerialConsole = { port: 'ttyS0', speed: 115200 };

/** Serial console from Ganeti's INSTANCE_HV_serial_console value ("True"/"False"). */
export function serialFromHv(
  value: string | undefined,
  over: Partial<SerialConsole> = {},
): SerialConsole | undefined {
  return value === 'True' || value === 'true' ? { ...DEFAULT_SERIAL, ...over } : undefined;
}

function serialUnit(s: SerialConsole): number {
  const m = /^ttyS(\d+)$/.exec(s.port);
  return m ? Number(m[1]) : 0;
}

/** console= arguments: tty0 plus the serial port, the serial one last so /dev/console is serial. */
export function consoleArgs(serial: SerialConsole | undefined): string[] {
  return serial ? ['console=tty0', `console=${serial.port},${serial.speed}n8`] : [];
}

export function kernelCommandLine(o: {
  rootUuid: string;
  serial?: SerialConsole | undefined;
  extra?: readonly string[];
}): string {
  return [`root=UUID=${o.rootUuid}`, 'ro', ...consoleArgs(o.serial), ...(o.extra ?? [])].join(' ');
}

function serialCommand(s: SerialConsole): string {
  return `serial --unit=${serialUnit(s)} --speed=${s.speed} --word=8 --parity=no --stop=1`;
}

const q = (s: string): string => `"${s.replace(/(["\\$`])/g, '\\$1')}"`;

export function renderDefaultGrub(o: {
  serial?: SerialConsole | undefined;
  extra?: readonly string[];
  timeoutSec?: number;
}): string {
  const lines = [
    '# Written by ganeti-os. grub-mkconfig/update-grub read this file.',
    'GRUB_DEFAULT=0',
    `GRUB_TIMEOUT=${o.timeoutSec ?? 1}`,
    'GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`',
    'GRUB_CMDLINE_LINUX_DEFAULT=""',
    `GRUB_CMDLINE_LINUX=${q([...consoleArgs(o.serial), ...(o.extra ?? [])].join(' '))}`,
    'GRUB_DISABLE_OS_PROBER=true',
  ];
  if (o.serial) {
    lines.push('GRUB_TERMINAL="serial console"', `GRUB_SERIAL_COMMAND=${q(serialCommand(o.serial))}`);
  }
  return lines.join('\n') + '\n';
}

export interface KernelPick {
  version: string;
  kernel: string;
  initrd: string | undefined;
}

/** Compare version strings piecewise: digit runs numerically, other runs as text. */
export function compareVersions(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    const c = nx && ny ? Number(x) - Number(y) : x < y ? -1 : x > y ? 1 : 0;
    if (c !== 0) return c;
  }
  return 0;
}

/** The newest `vmlinuz-<v>` among file names in /boot and its `initrd.img-<v>`. */
export function pickKernel(names: readonly string[]): KernelPick | undefined {
  const versions = names
    .map((n) => /^vmlinuz-(.+)$/.exec(n)?.[1])
    .filter((v): v is string => v !== undefined && !v.endsWith('.old'))
    .sort(compareVersions);
  const version = versions[versions.length - 1];
  if (!version) return undefined;
  const initrd = names.includes(`initrd.img-${version}`) ? `initrd.img-${version}` : undefined;
  return { version, kernel: `vmlinuz-${version}`, initrd };
}

export interface GrubCfgInput {
  /** UUID of the filesystem holding the kernel (/boot if separate, else root). */
  bootUuid: string;
  /** Path of /boot's files on that filesystem: '' when /boot is its own filesystem, else '/boot'. */
  bootPrefix: '' | '/boot';
  bootFsModule: string;
  kernel: KernelPick;
  cmdline: string;
  serial?: SerialConsole | undefined;
  timeoutSec?: number;
  title?: string;
}

/** GRUB module for a filesystem type. */
export function grubFsModule(fstype: string): string {
  return fstype.startsWith('ext') ? 'ext2' : fstype === 'vfat' ? 'fat' : fstype;
}

export function renderGrubCfg(o: GrubCfgInput): string {
  const title = o.title ?? `Linux ${o.kernel.version}`;
  const lines = [
    '# Written by ganeti-os; grub-mkconfig may replace it.',
    'set default=0',
    `set timeout=${o.timeoutSec ?? 1}`,
    'insmod part_msdos',
    'insmod part_gpt',
    `insmod ${o.bootFsModule}`,
    'insmod gzio',
  ];
  if (o.serial)
    lines.push(
      'insmod serial',
      serialCommand(o.serial),
      'terminal_input serial console',
      'terminal_output serial console',
    );
  lines.push(
    `search --no-floppy --fs-uuid --set=root ${o.bootUuid}`,
    `menuentry '${title.replace(/'/g, '')}' {`,
    `\tlinux ${o.bootPrefix}/${o.kernel.kernel} ${o.cmdline}`,
  );
  if (o.kernel.initrd) lines.push(`\tinitrd ${o.bootPrefix}/${o.kernel.initrd}`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** Early config embedded in a self-built EFI image: find /boot by UUID and load grub.cfg. */
export function renderEarlyConfig(bootUuid: string, bootPrefix: '' | '/boot'): string {
  return [
    `search --no-floppy --fs-uuid --set=root ${bootUuid}`,
    `set prefix=($root)${bootPrefix}/grub`,
    'configfile $prefix/grub.cfg',
    '',
  ].join('\n');
}

/** Modules built into the EFI image so it needs nothing from disk to read grub.cfg and boot Linux. */
export const EFI_MODULES = [
  'part_gpt',
  'part_msdos',
  'fat',
  'ext2',
  'xfs',
  'btrfs',
  'search',
  'search_fs_uuid',
  'configfile',
  'normal',
  'linux',
  'gzio',
  'echo',
  'test',
  'serial',
  'terminal',
  'efi_gop',
  'all_video',
  'boot',
  'reboot',
  'halt',
] as const;
