/**
 * The worked example (providers/example: `golden`, a golden root tree copied with rsync, everything
 * else from the shared Linux pipeline) as an admin would use it: installed with
 * `ganeti-os install --provider`, valid in `gnt-os diagnose`, a variant naming the tree published
 * with `variants sync`, `gnt-instance add -o golden+default` through the real daemons, a rename, and
 * the created disk booted in qemu (TCG) to a login prompt carrying the instance's new name.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTest } from '../../src/boot/qemu.js';
import { ensureTestRootfs } from '../helpers/disk.js';
import { expectCleanHost } from '../helpers/ganeti-clean.js';
import { installedPaths } from '../helpers/ganeti-cache.js';
import { diskLayout, guestCat, hostPath } from '../helpers/ganeti-guest.js';
import { INSTANCE_OPTS, STATE_DIR, down, must, osLogs, privateOsDir, up } from '../helpers/ganeti-harness.js';
import { host } from '../helpers/ganeti-host.js';
import { OUR_OS_DIR, REPO_ROOT, diskFiles, ganetiOs, installArgs } from '../helpers/ganeti-ours.js';

let golden = '';

beforeAll(async () => {
  // The golden tree: a minimal bootable bookworm (kernel, systemd), as an admin would keep one.
  golden = await mkdtemp('/var/tmp/ganeti-os-golden-');
  execFileSync('tar', [
    '--numeric-owner',
    '--xattrs',
    '--xattrs-include=*',
    '-C',
    golden,
    '-xf',
    ensureTestRootfs(),
  ]);
  await up();
  await privateOsDir(OUR_OS_DIR);
});

afterAll(async () => {
  await down();
  if (golden) await rm(golden, { recursive: true, force: true });
  await expectCleanHost();
});

describe('the golden example provider through Ganeti', () => {
  it('installs with --provider, is valid in gnt-os diagnose and lists the published variant', async () => {
    await ganetiOs([...installArgs([]), '--provider', join(REPO_ROOT, 'providers/example/provider.ts')], {
      check: true,
    });
    const paths = await installedPaths('golden');
    await mkdir(join(paths.configDir, 'variants'), { recursive: true });
    // The fake hypervisor has no serial_console parameter: the variant turns the console on.
    await writeFile(
      join(paths.configDir, 'variants', 'default.yaml'),
      `source: ${golden}\nserial-console: 'on'\npartition-style: gpt\n`,
    );
    await ganetiOs(['variants', 'sync', 'golden'], { check: true });
    const diagnose = await must(['gnt-os', 'diagnose']);
    expect(diagnose.stdout).toMatch(/^OS: golden \[global status: valid\]/m);
    const info = await must(['gnt-os', 'list']);
    expect(info.stdout).toMatch(/^golden\+default$/m);
  });

  it('gnt-instance add -o golden+default copies the tree and configures the guest; rename follows', async () => {
    await must([
      'gnt-instance',
      'add',
      '-t',
      'file',
      '--disk',
      '0:size=2G',
      '-o',
      'golden+default',
      '--no-start',
      ...INSTANCE_OPTS,
      'gold1.example.org',
    ]);
    const log = (await osLogs((n) => n.startsWith('add-golden+default-gold1.example.org-')))[0]!.text;
    expect(log.trimEnd().split('\n').at(-1)).toBe('gold1.example.org installed');
    await must([
      'gnt-instance',
      'rename',
      '-f',
      '--no-name-check',
      '--no-ip-check',
      'gold1.example.org',
      'gold2.example.org',
    ]);
    const disk = hostPath((await diskFiles('gold2.example.org'))[0]!);
    expect((await diskLayout(disk)).label).toBe('gpt');
    expect(await guestCat(disk, '/etc/hostname')).toBe('gold2\n');
    expect(await guestCat(disk, '/etc/fstab')).toMatch(/^UUID=[0-9a-f-]+\s+\/\s+ext4\s/m);
    expect(await guestCat(disk, '/etc/machine-id')).toMatch(/^[0-9a-f]{32}\n$/);
    expect(await guestCat(disk, '/etc/systemd/network/10-ganeti-nic0.network')).toContain('[Match]');

    const image = `${STATE_DIR}/boot-gold2.img`;
    await host('cp', ['--sparse=always', disk, image]);
    const r = await bootTest({
      image,
      format: 'raw',
      firmware: 'bios',
      expect: /gold2 login:/,
      timeoutMs: 600_000,
    });
    await rm(image, { force: true });
    expect(r.ok, `no "gold2 login:"; console tail:\n${r.transcript.slice(-3000)}`).toBe(true);
    await must(['gnt-instance', 'remove', '-f', 'gold2.example.org']);
  });
});
