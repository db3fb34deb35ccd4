/**
 * `ganeti-os build`: run a provider's create onto an image file exactly as Ganeti would run it onto
 * a file disk, optionally convert it to qcow2, and optionally boot it in qemu (software emulation)
 * until the login prompt shows the host name. The programmatic API behind the CLI command.
 */
import { closeSync, existsSync, openSync, renameSync, rmSync, ftruncateSync, statSync } from 'node:fs';
import { dirname, join, basename, resolve } from 'node:path';
import { runOperation } from '../dispatch/operation.js';
import { parseSizeMiB } from '../sdk/param-spec.js';
import type { Registry } from '../dispatch/registry.js';
import type { ProviderPaths } from '../sdk/types.js';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { buildEnv, parseOsParams } from './env.js';

export interface BuildOptions {
  os: string;
  variant: string;
  output: string;
  size?: string;
  format?: 'raw' | 'qcow2';
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

export interface BuildResult {
  output: string;
  format: 'raw' | 'qcow2';
  sizeMiB: number;
  seconds: number;
  bootTest?: { ok: boolean; seconds: number };
}

export async function buildImage(o: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const format = o.format ?? (o.output.endsWith('.qcow2') ? 'qcow2' : 'raw');
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
  const output = resolve(o.output);
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
    if (format === 'qcow2') {
      const { ExecRunner } = await import('../process/runner.js');
      await new ExecRunner(o.log).run('qemu-img', ['convert', '-O', 'qcow2', raw, output], {
        code: 'E_BUILD_CONVERT',
        hint: 'is qemu-utils installed?',
      });
      rmSync(raw, { force: true });
    } else {
      renameSync(raw, output);
    }
  } catch (e) {
    rmSync(raw, { force: true });
    throw e;
  }
  o.log.info(
    `built ${output} (${format}, ${sizeMiB} MiB virtual, ${((statSync(output).blocks * 512) / 1024 / 1024).toFixed(0)} MiB used)`,
  );
  const result: BuildResult = { output, format, sizeMiB, seconds: (Date.now() - started) / 1000 };
  if (o.bootTest) {
    const { bootTest } = await import('../boot/qemu.js');
    const host = name.split('.')[0]!;
    o.log.info(
      `boot test: starting ${output} in qemu (${o.firmware ?? 'bios'}, software emulation); waiting for "${host} login:"`,
    );
    const r = await bootTest({
      image: output,
      format,
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
