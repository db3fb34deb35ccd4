/**
 * Boot smoke test: boot a disk image in qemu (TCG only, never KVM) with the serial console on stdio
 * and wait until its output matches `expect` (e.g. /myhost login:/), then stop qemu. qemu streams
 * for minutes, which the buffered Runner cannot do, so this executor spawns it with
 * node:child_process directly and always kills it before returning.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { OsError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';

export const OVMF_CANDIDATES = ['/usr/share/ovmf/OVMF.fd', '/usr/share/qemu/OVMF.fd'];

export interface BootTestOptions {
  image: string;
  format?: 'raw' | 'qcow2';
  firmware: 'bios' | 'uefi';
  expect: RegExp;
  timeoutMs: number;
  log?: Logger;
  memoryMiB?: number;
  /** Boot without writing to the image (qemu -snapshot). Default true. */
  snapshot?: boolean;
}

export interface BootTestResult {
  ok: boolean;
  transcript: string;
  elapsedMs: number;
}

/** qemu argv (pure apart from locating OVMF). */
function qemuArgs(o: BootTestOptions): string[] {
  const args = [
    '-accel',
    'tcg',
    '-m',
    String(o.memoryMiB ?? 1024),
    '-display',
    'none',
    '-serial',
    'stdio',
    '-monitor',
    'none',
    '-no-reboot',
    '-drive',
    `file=${o.image},format=${o.format ?? 'raw'},if=virtio`,
    '-net',
    'none',
  ];
  if (o.snapshot ?? true) args.push('-snapshot');
  if (o.firmware === 'uefi') {
    const ovmf = OVMF_CANDIDATES.find((p) => existsSync(p));
    if (!ovmf)
      throw new OsError('E_BOOT_OVMF', 'no OVMF firmware found for a UEFI boot test', {
        hint: 'apt-get install ovmf',
      });
    args.push('-bios', ovmf);
  }
  return args;
}

// Strip ANSI escape sequences from the serial transcript so patterns match plain text.
const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]|${ESC}[()][A-Z0-9]|${ESC}[=>c]`, 'g');

export function bootTest(o: BootTestOptions): Promise<BootTestResult> {
  const args = qemuArgs(o);
  o.log?.debug(`$ qemu-system-x86_64 ${args.join(' ')}`);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('qemu-system-x86_64', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let transcript = '';
    let stderr = '';
    let settled = false;
    const finish = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const done = (): void => resolve({ ok, transcript, elapsedMs: Date.now() - started });
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', done);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    };
    const timer = setTimeout(() => finish(false), o.timeoutMs);
    child.stdout.on('data', (b: Buffer) => {
      transcript += b.toString('latin1').replace(ANSI, '');
      if (o.expect.test(transcript)) finish(true);
    });
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', (e) => {
      settled = true;
      clearTimeout(timer);
      reject(
        new OsError('E_BOOT_QEMU', `could not start qemu-system-x86_64: ${e.message}`, {
          hint: 'apt-get install qemu-system-x86',
        }),
      );
    });
    child.on('exit', (code, sig) => {
      if (!settled) {
        o.log?.debug(`qemu exited (${code ?? sig}) ${stderr.trim()}`);
        transcript += stderr ? `\n[qemu stderr] ${stderr}` : '';
        finish(false);
      }
    });
  });
}
