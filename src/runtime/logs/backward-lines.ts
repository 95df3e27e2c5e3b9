import type { FileHandle } from "node:fs/promises";

const NEWLINE = 0x0a;

/**
 * Reads a file's lines from the end backwards, a chunk at a time, so the
 * last lines of a large log cost a few reads and not the whole file.
 * Bytes after the last newline are an entry conmon is still writing: they
 * are left out, and {@link end} says where the complete lines stop. A line
 * longer than `maxLineBytes` is skipped, as LineSplitter does. A file
 * truncated in place during the read ends it early.
 */
export class BackwardLines {
  /** Offset just after the last newline; known once the first line has been yielded (0 when there is none). */
  end = 0;

  constructor(
    private readonly file: FileHandle,
    private readonly size: number,
    private readonly chunkBytes: number,
    private readonly maxLineBytes: number,
  ) {}

  /** The lines without their newlines, last first. */
  async *lines(): AsyncGenerator<Buffer> {
    let pos = this.size;
    let carry: Buffer[] = [];
    let carried = 0;
    let tooLong = false;
    let seenNewline = false;
    while (pos > 0) {
      const start = Math.max(0, pos - this.chunkBytes);
      const chunk = Buffer.alloc(pos - start);
      const { bytesRead } = await this.file.read(chunk, 0, chunk.length, start);
      // Truncated in place while we read: what was read stands, the follower sees the truncation.
      if (bytesRead < chunk.length) return;
      pos = start;
      let hi = chunk.length;
      for (let nl = hi > 0 ? chunk.lastIndexOf(NEWLINE, hi - 1) : -1; nl >= 0; nl = hi > 0 ? chunk.lastIndexOf(NEWLINE, hi - 1) : -1) {
        if (!seenNewline) {
          seenNewline = true;
          this.end = start + nl + 1;
        } else if (!tooLong && carried + hi - nl - 1 <= this.maxLineBytes) {
          yield Buffer.concat([chunk.subarray(nl + 1, hi), ...carry]);
        }
        carry = [];
        carried = 0;
        tooLong = false;
        hi = nl;
      }
      if (!seenNewline || tooLong || hi === 0) continue;
      if (carried + hi > this.maxLineBytes) {
        carry = [];
        carried = 0;
        tooLong = true;
      } else {
        carry.unshift(chunk.subarray(0, hi));
        carried += hi;
      }
    }
    if (seenNewline && !tooLong && carried > 0) yield Buffer.concat(carry);
  }
}
