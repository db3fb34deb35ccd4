import { Command, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { captureImage } from '../../capture/capture.js';
import { CAPTURE_FORMATS, COMPRESSIONS } from '../../capture/plan.js';
import { ExecRunner } from '../../process/runner.js';
import { CleanupStack } from '../../runtime/cleanup.js';
import { guardSignals } from '../../runtime/signals.js';
import type { CliContext } from '../context.js';

export function imageCommands(ctx: CliContext): CommandUnknownOpts[] {
  const cmd = new Command('image').description('make images for the image provider');
  cmd
    .command('capture')
    .description(
      "capture an image from a stopped instance's disk (block device or file disk) or a raw image file; the disk is only read",
    )
    .argument('<disk>', 'the disk, e.g. /dev/xenvg/<uuid>.disk0 or /srv/ganeti/file-storage/<instance>/disk0')
    .requiredOption(
      '-o, --output <file>',
      'image file to write (for dumps also a directory: <name>-<arch>-root.dump and -boot.dump)',
    )
    .addOption(
      new Option('--format <format>', 'image format (default: from the output name)').choices(
        CAPTURE_FORMATS,
      ),
    )
    .addOption(
      new Option(
        '--compress <method>',
        'compression (default: from the output name; tarball zstd, others none)',
      ).choices(COMPRESSIONS),
    )
    .option(
      '--generalize',
      'reset machine-id, ssh host keys, logs, persistent net rules and random seeds in the image (never on the disk)',
      false,
    )
    .option('--sums', "add the image to SHA256SUMS in the output's directory", false)
    .option('-f, --force', 'replace existing output files', false)
    .option('--name <name>', 'image name of dumps written into a directory (default: the disk name)')
    .option('--arch <arch>', 'architecture in dump names (default: the node architecture)')
    .option('--json', 'print the result as JSON', false)
    .action(async (disk, o) => {
      const stack = new CleanupStack(ctx.log);
      const guard = guardSignals(stack, ctx.log);
      try {
        const r = await captureImage({
          disk,
          output: o.output,
          ...(o.format ? { format: o.format } : {}),
          ...(o.compress ? { compress: o.compress } : {}),
          generalize: o.generalize,
          sums: o.sums,
          force: o.force,
          ...(o.name ? { name: o.name } : {}),
          ...(o.arch ? { arch: o.arch } : {}),
          runner: new ExecRunner(ctx.log, guard.signal),
          cleanupRunner: new ExecRunner(ctx.log),
          stack,
          log: ctx.log,
          signal: guard.signal,
        });
        ctx.out(
          o.json
            ? JSON.stringify(r, null, 2)
            : r.files.map((f) => `${f.sha256}  ${f.path}`).join('\n') +
                `\n${r.format}${r.compress === 'none' ? '' : `, ${r.compress}`}${r.generalized ? ', generalized' : ''}, captured in ${r.seconds.toFixed(0)} s`,
        );
      } finally {
        await stack.unwind();
        guard.dispose();
      }
    });
  return [cmd];
}
