/**
 * Writing a stream to a disk in large blocks at explicit offsets: chunks are gathered into 4 MiB
 * blocks and written while the next block fills (at most one write in flight), never past a byte
 * limit. The first bytes are shown to a check before anything is written.
 */
import type { FileHandle } from 'node:fs/promises';
import { OsError } from '../runtime/errors.js';

const BLOCK = 4 * 1024 * 1024;

export interface BlockWriterOptions {
  /** The target's name, for messages. */
  target: string;
  /** Never write at or past this offset. */
  limit: number;
  /** How many first bytes `check` wants to see. */
  checkBytes: number;
  /** Sees the first bytes (fewer when the stream is shorter) before the first write; throws to refuse. */
  check: (first: Buffer) => void;
  onProgress?: (done: number) => void;
}

export class BlockWriter {
  private readonly bufs = [Buffer.allocUnsafe(BLOCK), Buffer.allocUnsafe(BLOCK)];
  private cur = 0;
  private filled = 0;
  /** Bytes handed to writes so far (the offset of the current block). */
  private queued = 0;
  private done = 0;
  private checked = false;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly out: FileHandle,
    private readonly o: BlockWriterOptions,
  ) {}

  /** Add a chunk. False when the limit was reached with bytes of the chunk left over. */
  async push(chunk: Buffer): Promise<boolean> {
    let at = 0;
    while (at < chunk.length) {
      const room = this.o.limit - this.queued - this.filled;
      if (room === 0) return false;
      const buf = this.bufs[this.cur]!;
      const n = Math.min(chunk.length - at, BLOCK - this.filled, room);
      chunk.copy(buf, this.filled, at, at + n);
      this.filled += n;
      at += n;
      if (this.filled === BLOCK) await this.flush();
    }
    return true;
  }

  /** Write what is left and wait for every write; the bytes written. */
  async finish(): Promise<number> {
    await this.flush();
    await this.pending;
    return this.done;
  }

  /** Wait for a write in flight, ignoring its failure (on the way out of an error). */
  async settle(): Promise<void> {
    await this.pending.catch(() => undefined);
  }

  private async flush(): Promise<void> {
    const buf = this.bufs[this.cur]!;
    if (!this.checked) {
      this.o.check(buf.subarray(0, Math.min(this.filled, this.o.checkBytes)));
      this.checked = true;
    }
    await this.pending;
    if (this.filled === 0) return;
    const len = this.filled;
    const pos = this.queued;
    this.pending = this.writeAll(buf, len, pos);
    this.queued += len;
    this.filled = 0;
    this.cur ^= 1;
  }

  private async writeAll(buf: Buffer, len: number, pos: number): Promise<void> {
    let off = 0;
    while (off < len) {
      try {
        const { bytesWritten } = await this.out.write(buf, off, len - off, pos + off);
        off += bytesWritten;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? 'error';
        throw new OsError(
          'E_IMAGE_WRITE',
          `writing to ${this.o.target} failed at byte ${pos + off} (${code})`,
          {
            hint: `check ${this.o.target} and the kernel log (dmesg)`,
          },
        );
      }
    }
    this.done += len;
    this.o.onProgress?.(this.done);
  }
}
