const NEWLINE = 0x0a;

/**
 * Cuts a byte stream into `\n`-terminated lines. A line longer than
 * `maxLineBytes` cannot be a conmon entry (conmon cuts at 8 KiB) and is
 * dropped whole, so a garbage file cannot make the reader hold it all.
 * Bytes after the last newline wait for the next chunk: conmon may be in
 * the middle of writing that entry.
 */
export class LineSplitter {
  private carry: Buffer[] = [];
  private carried = 0;
  private dropping = false;

  constructor(private readonly maxLineBytes: number) {}

  /** The complete lines in `chunk` (plus what was carried), without their newlines. */
  push(chunk: Buffer): Buffer[] {
    const lines: Buffer[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl >= 0; nl = chunk.indexOf(NEWLINE, start)) {
      if (!this.dropping && this.carried + nl - start <= this.maxLineBytes) {
        const piece = chunk.subarray(start, nl);
        lines.push(this.carried === 0 ? Buffer.from(piece) : Buffer.concat([...this.carry, piece]));
      }
      this.reset();
      start = nl + 1;
    }
    this.keep(chunk.subarray(start));
    return lines;
  }

  /** Forget the unfinished line: the file it came from was truncated or replaced. */
  reset(): void {
    this.carry = [];
    this.carried = 0;
    this.dropping = false;
  }

  private keep(rest: Buffer): void {
    if (rest.length === 0 || this.dropping) return;
    if (this.carried + rest.length > this.maxLineBytes) {
      this.carry = [];
      this.carried = 0;
      this.dropping = true;
      return;
    }
    this.carry.push(Buffer.from(rest));
    this.carried += rest.length;
  }
}
