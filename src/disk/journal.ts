/**
 * The per-disk runtime directory and its journal. Every run on a disk keeps its mountpoints and temp
 * dirs under `/run/ganeti-os/disk-<sha256(realpath) first 16 hex>/` and records each acquisition
 * (loop device, partition map, mount) in `journal.json`, written atomically and synchronously, so a
 * run killed with SIGKILL can be undone by `recoverDisk` before the next run starts.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const RUNTIME_ROOT = '/run/ganeti-os';

export type JournalEntry =
  | { kind: 'loop'; device: string; backing: string }
  | { kind: 'map'; mapper: 'partx' | 'kpartx'; device: string }
  | { kind: 'crypt'; name: string; device: string }
  | { kind: 'mount'; path: string }
  | { kind: 'tempdir'; path: string };

export interface JournalData {
  disk: string;
  pid: number;
  entries: JournalEntry[];
}

function diskKey(realDiskPath: string): string {
  return createHash('sha256').update(realDiskPath).digest('hex').slice(0, 16);
}

export function runtimeDirFor(realDiskPath: string, root = RUNTIME_ROOT): string {
  return join(root, `disk-${diskKey(realDiskPath)}`);
}

export class Journal {
  readonly file: string;
  private data: JournalData;

  constructor(
    readonly dir: string,
    disk: string,
  ) {
    this.file = join(dir, 'journal.json');
    this.data = { disk, pid: process.pid, entries: [] };
  }

  /** Create the runtime dir and an empty journal owned by this process. */
  open(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.flush();
  }

  get entries(): readonly JournalEntry[] {
    return this.data.entries;
  }

  add(entry: JournalEntry): void {
    this.data.entries.push(entry);
    this.flush();
  }

  remove(entry: JournalEntry): void {
    const key = JSON.stringify(entry);
    const i = this.data.entries.map((e) => JSON.stringify(e)).lastIndexOf(key);
    if (i >= 0) this.data.entries.splice(i, 1);
    this.flush();
  }

  /** Delete the journal file (the runtime dir itself is removed by the caller with rmdir). */
  close(): void {
    rmSync(this.file, { force: true });
  }

  private flush(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data) + '\n', { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

export function readJournal(dir: string): JournalData | undefined {
  try {
    const data = JSON.parse(readFileSync(join(dir, 'journal.json'), 'utf8')) as JournalData;
    if (!Array.isArray(data.entries)) return undefined;
    return data;
  } catch {
    return undefined;
  }
}
