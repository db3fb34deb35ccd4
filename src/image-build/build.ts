/**
 * `ganeti-os build`: run a provider's create onto an image file exactly as Ganeti would run it onto
 * a file disk, optionally turn it into a qcow2 image or a tarball of the guest tree (with the code
 * of `ganeti-os image capture`), and optionally boot it in qemu (software emulation) until the
 * login prompt shows the host name. The programmatic API behind the CLI command.
 */
import { closeSync, existsSync, openSync, renameSync, rmSync, ftruncateSync, statSync } from 'node:fs';
import { dirname, join, basename, resolve } from 'node:path';
import { captureImage } from '../capture/capture.js';
import { planCapture, type Compression } from '../capture/plan.js';
import { runOperation } from '../dispatch/operation.js';
import { parseSizeMiB } from '../sdk/param-spec.js';
import type { Registry } from '../dispatch/registry.js';
import type { ProviderPaths } from '../sdk/types.js';
import { CleanupStack } from '../runtime/cleanup.js';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { guardSignals } from '../runtime/signals.js';
import { buildEnv, parseOsParams } from './env.js';

export interface BuildOptions {
  os: string;
  variant: string;
  output: string;
  size?: string;
  format?: BuildFormat;
  /** Default: from the output name; tarballs zstd, disk images none. */
  compress?: Compression;
  name?: string;
  params?: string[];
  bootTest?: boolean;
  firmware?: 'bios' | 'uefi';
  bootTimeoutSec?: number;
  force?: boolean;
  paths: ProviderPaths & { module?: string };
  providers: Registry;
  log: Logger;
}

export type BuildFormat = 'raw' | 'qcow2' | 'tarball';
export const BUILD_FORMATS: readonly BuildFormat[] = ['raw', 'qcow2', 'tarball'];

export interface BuildResult {
  output: string;
  format: BuildFormat;
  compress: Compression;
  sizeMiB: number;
  seconds: number;
  bootTest?: { ok: boolean; seconds: number };
}

export async function buildImage(o: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const output = resolve(o.output);
  const { format, compress } = buildPlan(o, output);
  let sizeMiB: number;
  try {
    sizeMiB = parseSizeMiB(o.size ?? '3G');
  } catch (e) {
    throw new OsError('E_USAGE', `--size ${o.size ?? ''}: ${(e as Error).message}`, {
      hint: 'e.g. --size 3G',
    });
  }
  const name = o.name ?? `${o.os}-${o.variant || 'default'}`.replace(/[^A-Za-z0-9.-]/g, '-');
  let params: Record<string, string>;
  try {
    params = parseOsParams(o.params ?? []);
  } catch (e) {
    throw new OsError('E_USAGE', (e as Error).message, { hint: 'use -O name=value' });
  }
  if (existsSync(output) && !o.force)
    throw new OsError('E_OUTPUT_EXISTS', `${output} exists`, { hint: 'pass --force to overwrite it' });
  const provider = await o.providers.load(o.os, o.paths.module);

  // The raw disk is built next to the output and renamed (or converted) only when complete.
  const raw = join(dirname(output), `.${basename(output)}.building-${process.pid}.raw`);
  const fd = openSync(raw, 'wx', 0o600);
  try {
    ftruncateSync(fd, sizeMiB * 1024 * 1024);
  } finally {
    closeSync(fd);
  }
  try {
    const env = buildEnv({
      os: o.os,
      variant: o.variant,
      name,
      disk: raw,
      sizeMiB,
      params,
      debug: o.log.enabled('debug'),
    });
    await runOperation({ provider, script: 'create', env, paths: o.paths, log: o.log, keepLogLevel: true });
    if (format === 'raw' && compress === 'none') renameSync(raw, output);
    else await convertBuilt(raw, output, o);
    rmSync(raw, { force: true });
  } catch (e) {
    rmSync(raw, { force: true });
    throw e;
  }
  o.log.info(
    `built ${output} (${format}${compress === 'none' ? '' : `, ${compress}`}, ${sizeMiB} MiB virtual, ${((statSync(output).blocks * 512) / 1024 / 1024).toFixed(0)} MiB used)`,
  );
  const result: BuildResult = {
    output,
    format,
    compress,
    sizeMiB,
    seconds: (Date.now() - started) / 1000,
  };
  if (o.bootTest) {
    const { bootTest } = await import('../boot/qemu.js');
    const host = name.split('.')[0]!;
    o.log.info(
      `boot test: starting ${output} in qemu (${o.firmware ?? 'bios'}, software emulation); waiting for "${host} login:"`,
    );
    const r = await bootTest({
      image: output,
      format: format === 'qcow2' ? 'qcow2' : 'raw',
      firmware: o.firmware ?? 'bios',
      expect: new RegExp(`${host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} login:`),
      timeoutMs: (o.bootTimeoutSec ?? 600) * 1000,
      log: o.log,
    });
    result.bootTest = { ok: r.ok, seconds: r.elapsedMs / 1000 };
    if (!r.ok) {
      const tail = r.transcript.trimEnd().split('\n').slice(-15).join('\n');
      o.log.error(tail);
      throw new OsError(
        'E_BOOT_TEST',
        `${output} did not reach the login prompt within ${o.bootTimeoutSec ?? 600} s`,
        {
          hint: 'the console transcript is above; rebuild with --verbose to see every step',
        },
      );
    }
    o.log.info(`boot test passed: login prompt after ${(r.elapsedMs / 1000).toFixed(0)} s`);
  }
  return result;
}

/** The output's format and compression (given, or from its name; raw by default). */
function buildPlan(o: BuildOptions, output: string): { format: BuildFormat; compress: Compression } {
  const plan = planCapture({
    disk: output,
    output,
    outputIsDir: false,
    defaultFormat: 'raw',
    ...(o.format ? { format: o.format } : {}),
    ...(o.compress ? { compress: o.compress } : {}),
  });
  const format = plan.format;
  if (format === 'dump')
    throw new OsError('E_USAGE', `build writes raw, qcow2 or tarball images, not ${format}`, {
      hint: 'pass --format, or name the output .raw, .qcow2 or .tar.zst',
    });
  if (o.bootTest && (format === 'tarball' || (format === 'raw' && plan.compress !== 'none')))
    throw new OsError('E_USAGE', `--boot-test boots disk images; ${basename(output)} is not one`, {
      hint: 'boot-test a raw or qcow2 build',
    });
  return { format, compress: plan.compress };
}

/** The built raw disk as the asked image, with the code of `ganeti-os image capture`. */
async function convertBuilt(raw: string, output: string, o: BuildOptions): Promise<void> {
  const { format, compress } = buildPlan(o, output);
  const { ExecRunner } = await import('../process/runner.js');
  const stack = new CleanupStack(o.log);
  const guard = guardSignals(stack, o.log);
  try {
    await captureImage({
      disk: raw,
      output,
      format,
      compress,
      force: o.force ?? false,
      checksum: false,
      runner: new ExecRunner(o.log, guard.signal),
      cleanupRunner: new ExecRunner(o.log),
      stack,
      log: o.log,
      signal: guard.signal,
    });
  } finally {
    await stack.unwind();
    guard.dispose();
  }
}
