import { Writable } from "node:stream";

/**
 * A writable that puts `prefix` before every line it passes on to `target`
 * (`web-1  | hello`), as docker compose shows several containers' logs in
 * one stream. A line cut across writes is prefixed once; a last line
 * without a newline is passed on, prefixed, when the stream ends.
 * Backpressure from `target` holds this writable's callback.
 */
export class PrefixedLines extends Writable {
  private atLineStart = true;

  constructor(private readonly prefix: string, private readonly target: NodeJS.WritableStream) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const text = chunk.toString("utf8");
    let out = "";
    for (const part of text.split(/(?<=\n)/)) {
      if (this.atLineStart) out += this.prefix;
      out += part;
      this.atLineStart = part.endsWith("\n");
    }
    if (this.target.write(out)) callback();
    else this.target.once("drain", () => callback());
  }
}
