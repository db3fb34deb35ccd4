import { Command, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { COMPRESSIONS } from '../../capture/plan.js';
import { BUILD_FORMATS, buildImage } from '../../image-build/build.js';
import { DEFAULTS } from '../../ganeti/defaults.js';
import { splitOsName } from '../../ganeti/names.js';
import type { CliContext } from '../context.js';
import { checkOsName } from '../os-names.js';
import { osPaths } from '../os-paths.js';

export function buildCommands(ctx: CliContext): CommandUnknownOpts[] {
  const cmd = new Command('build')
    .description(
      'build a disk image with a provider, as Ganeti would install an instance, and optionally boot-test it',
    )
    .argument('<os+variant>', 'e.g. debootstrap+bookworm')
    .requiredOption('-o, --output <file>', 'image file to write')
    .option('--size <size>', 'disk size', '3G')
    .addOption(
      new Option('--format <format>', 'image format (default: from the output name, else raw)').choices(
        BUILD_FORMATS,
      ),
    )
    .addOption(
      new Option(
        '--compress <method>',
        'compression (default: from the output name; tarball zstd, others none)',
      ).choices(COMPRESSIONS),
    )
    .option('--name <host>', 'instance (host) name')
    .option('-O, --os-parameters <key=value...>', 'OS parameters, as with gnt-instance add -O')
    .option('--boot-test', 'boot the image in qemu until the login prompt', false)
    .addOption(
      new Option('--firmware <fw>', 'firmware for the boot test')
        .choices(['bios', 'uefi'] as const)
        .default('bios' as const),
    )
    .option('--boot-timeout <seconds>', 'boot test timeout', '600')
    .option('--os-dir <dir>', 'use the OS as installed there (its variants and hooks)', DEFAULTS.osDir)
    .option('-f, --force', 'overwrite the output', false)
    .option('--json', 'print the result as JSON', false)
    .action(async (full, o) => {
      const { os, variant } = splitOsName(full);
      checkOsName(ctx, os, o.osDir);
      const paths = osPaths(os, ctx, { osDir: o.osDir });
      const r = await buildImage({
        os,
        variant,
        output: o.output,
        size: o.size,
        ...(o.format ? { format: o.format } : {}),
        ...(o.compress ? { compress: o.compress } : {}),
        ...(o.name ? { name: o.name } : {}),
        params: o.osParameters ?? [],
        bootTest: o.bootTest,
        firmware: o.firmware,
        bootTimeoutSec: Number(o.bootTimeout),
        force: o.force,
        paths,
        providers: ctx.providers,
        log: ctx.log,
      });
      ctx.out(
        o.json
          ? JSON.stringify(r, null, 2)
          : `${r.output}: ${r.format}${r.compress === 'none' ? '' : ` (${r.compress})`}, ${r.sizeMiB} MiB, built in ${r.seconds.toFixed(0)} s${r.bootTest ? `, booted to login in ${r.bootTest.seconds.toFixed(0)} s` : ''}`,
      );
    });
  return [cmd];
}
