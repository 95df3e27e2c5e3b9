/**
 * Reads an async stream of chunks by byte counts, without copying when a
 * request fits in the chunk at hand. Used by the tar reader, which needs
 * exact 512-byte blocks and streamed file data from the same stream.
 */
export class ByteSource {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;

  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  /** Exactly `n` bytes, or fewer only when the stream ends first. */
  async read(n: number): Promise<Buffer> {
    while (this.buffered < n && (await this.more()));
    return this.take(Math.min(n, this.buffered));
  }

  /** Between 1 and `max` bytes; empty only at the end of the stream. */
  async readSome(max: number): Promise<Buffer> {
    while (this.buffered === 0 && (await this.more()));
    return this.take(Math.min(max, this.chunks[0]?.length ?? 0));
  }

  /** Discard `n` bytes; returns how many there were (fewer than `n` at the end). */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      const got = await this.readSome(left);
      if (got.length === 0) break;
      left -= got.length;
    }
    return n - left;
  }

  private async more(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.source.next();
    if (next.done === true) {
      this.ended = true;
      return false;
    }
    const v = next.value;
    if (v.byteLength > 0) {
      this.chunks.push(Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength));
      this.buffered += v.byteLength;
    }
    return true;
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    this.buffered -= n;
    if (n < first.length) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    if (n === first.length) {
      this.chunks.shift();
      return first;
    }
    const parts: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const c = this.chunks[0]!;
      if (c.length <= left) {
        parts.push(c);
        this.chunks.shift();
        left -= c.length;
      } else {
        parts.push(c.subarray(0, left));
        this.chunks[0] = c.subarray(left);
        left = 0;
      }
    }
    return Buffer.concat(parts, n);
  }
}
