/** Run installed OS scripts the way Ganeti does: reset environment, cwd = OS dir, stdin closed. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const GANETI_PATH = '/sbin:/bin:/usr/sbin:/usr/bin';

export interface ScriptRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  /** What the script wrote to EXP_SIZE_FD (fd 11), when asked for. */
  sizeFd: string;
}

export interface ScriptOptions {
  args?: string[];
  /** A file to feed on stdin (import). */
  stdinFile?: string;
  /** Open fd 11 and set EXP_SIZE_FD=11 (export). */
  sizeFd?: boolean;
  /** Called once the process started (e.g. to signal it). */
  onSpawn?: (pid: number) => void;
}

export function runOsScript(
  osDir: string,
  script: string,
  env: Record<string, string>,
  o: ScriptOptions = {},
): Promise<ScriptRun> {
  const fullEnv: Record<string, string> = { PATH: GANETI_PATH, DEBUG_LEVEL: '0', ...env };
  const argv = [join(osDir, script), ...(o.args ?? [])];
  // bash provides the stdin file and fd 11 exactly like the import-export daemon does.
  const redirs = `${o.stdinFile ? ` < "${o.stdinFile}"` : ' < /dev/null'}${o.sizeFd ? ' 11>&3' : ''}`;
  if (o.sizeFd) fullEnv.EXP_SIZE_FD = '11';
  const cmd = `exec ${argv.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ')}${redirs}`;
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/bash', ['-c', cmd], {
      cwd: osDir,
      env: fullEnv,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    let size = '';
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (size += d.toString()));
    if (child.pid !== undefined) o.onSpawn?.(child.pid);
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: err, sizeFd: size }),
    );
  });
}

export function lastLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  return lines[lines.length - 1] ?? '';
}
