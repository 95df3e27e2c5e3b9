import type { Readable } from "node:stream";

/**
 * Read a whole body of at most `limit` bytes. A longer body fails with the
 * error `tooLarge` makes, and the stream is destroyed so no more is read.
 */
export async function readBody(body: Readable, limit: number, tooLarge: (seen: number) => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of body) {
      const b = chunk as Buffer;
      n += b.length;
      if (n > limit) throw tooLarge(n);
      chunks.push(b);
    }
  } catch (e) {
    body.destroy();
    throw e;
  }
  return Buffer.concat(chunks, n);
}
