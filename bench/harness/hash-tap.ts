import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";

/**
 * A pass-through stream that hashes (sha256) and counts what flows through it, unchanged: put
 * one before and one after a gzip or gunzip to get both names of a layer in one pass.
 */
export class HashTap extends Transform {
  private readonly hash: Hash = createHash("sha256");
  /** Bytes seen so far. */
  bytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  /** `sha256:<hex>` of everything seen; call once, after the stream ended. */
  digest(): string {
    return `sha256:${this.hash.digest("hex")}`;
  }
}
