/**
 * The LIFO cleanup stack. Whoever acquires a resource (loop device, partition map, mount, bind mount,
 * temp dir, lock) registers its undo here in the same function. `unwind()` runs the undos newest
 * first, on success, on error and on SIGTERM/SIGINT/SIGHUP; each undo runs at most once, and a
 * failing undo is logged but never stops the others.
 */
import type { Logger } from './logger.js';

export type Undo = () => Promise<void> | void;

export interface CleanupHandle {
  /** Run this undo now (out of order) and drop it from the stack. Idempotent. */
  release(): Promise<void>;
  /** Drop the undo without running it (ownership moved elsewhere). */
  dismiss(): void;
  readonly label: string;
}

interface Entry {
  label: string;
  undo: Undo;
  done: boolean;
}

export class CleanupStack implements AsyncDisposable {
  private entries: Entry[] = [];
  private unwinding: Promise<Error[]> | undefined;

  constructor(private readonly log?: Logger) {}

  get size(): number {
    return this.entries.filter((e) => !e.done).length;
  }

  labels(): string[] {
    return this.entries.filter((e) => !e.done).map((e) => e.label);
  }

  push(label: string, undo: Undo): CleanupHandle {
    const entry: Entry = { label, undo, done: false };
    this.entries.push(entry);
    return {
      label,
      release: async () => {
        if (entry.done) return;
        entry.done = true;
        this.entries = this.entries.filter((e) => e !== entry);
        this.log?.debug(`cleanup: ${label}`);
        await undo();
      },
      dismiss: () => {
        entry.done = true;
        this.entries = this.entries.filter((e) => e !== entry);
      },
    };
  }

  /** Run every pending undo, newest first. Returns the errors (already logged). */
  unwind(): Promise<Error[]> {
    this.unwinding ??= this.doUnwind().finally(() => {
      this.unwinding = undefined;
    });
    return this.unwinding;
  }

  private async doUnwind(): Promise<Error[]> {
    const errors: Error[] = [];
    while (this.entries.length > 0) {
      const entry = this.entries.pop()!;
      if (entry.done) continue;
      entry.done = true;
      try {
        this.log?.debug(`cleanup: ${entry.label}`);
        await entry.undo();
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        errors.push(err);
        this.log?.warn(`cleanup of ${entry.label} failed: ${err.message.split('\n')[0] ?? ''}`);
      }
    }
    return errors;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.unwind();
  }
}
