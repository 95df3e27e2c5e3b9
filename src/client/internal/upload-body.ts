import { Writable, type Readable } from "node:stream";
import { DigestMismatchError, SizeMismatchError } from "../../content/index.js";
import { Digester, digestAlgorithm, type Descriptor } from "../../oci/index.js";
import type { BodyWriter } from "../http-transport.js";
import type { ByteProgress } from "../progress.js";
import type { PooledBody } from "./pooled-get.js";

/**
 * The body of an upload of `desc` read from `src` (opened for it; destroyed
 * on failure): the bytes counted into `progress`; more or fewer than
 * `desc.size` fail the request (a short source would leave the registry
 * waiting for the rest). With `verify` the bytes are hashed and the last
 * chunk waits until the digest is known, so wrong bytes fail the request
 * before the body is complete: the registry commits nothing, even one that
 * would not check the digest. Written with a data listener rather than
 * through a Transform: one stream hop less per chunk on the copy path.
 */
export function meteredCopy(src: Readable, desc: Descriptor, progress: ByteProgress, verify: boolean): BodyWriter {
  const { digest, size } = desc;
  return (dest) => new Promise<void>((resolve, reject) => {
    const hasher = verify ? new Digester(digestAlgorithm(digest)) : undefined;
    let n = 0;
    let held: Buffer | undefined;
    let settled = false;
    let waiting = false;
    const settle = (e?: unknown): void => {
      if (settled) return;
      settled = true;
      src.off("data", onData).off("end", onEnd).off("error", settle);
      dest.off("close", onClose).off("drain", onDrain);
      if (e === undefined) resolve();
      else {
        src.destroy();
        reject(e);
      }
    };
    const onDrain = (): void => {
      waiting = false;
      src.resume();
    };
    const onClose = (): void => settle(new Error("the request closed before the body was sent"));
    const onData = (chunk: Buffer): void => {
      n += chunk.length;
      if (n > size) return settle(new SizeMismatchError(`push ${digest}`, size, n));
      progress.add(chunk.length);
      let out: Buffer | undefined = chunk;
      if (hasher !== undefined) {
        hasher.update(chunk);
        [out, held] = [held, chunk];
      }
      if (out !== undefined && !dest.write(out) && !waiting) {
        waiting = true;
        src.pause();
        dest.once("drain", onDrain);
      }
    };
    const onEnd = (): void => {
      if (n < size) return settle(new SizeMismatchError(`push ${digest}`, size, n));
      if (hasher !== undefined) {
        const actual = hasher.digest();
        if (actual !== digest) return settle(new DigestMismatchError(`push ${digest}`, digest, actual));
        if (held !== undefined) dest.write(held);
      }
      settle();
    };
    src.on("data", onData).once("end", onEnd).once("error", settle);
    dest.once("close", onClose);
  });
}

/**
 * The body of an upload of `desc` written by `send` (a content store's
 * sender, which reuses its read buffers: a fresh buffer per chunk, as
 * fs.ReadStream makes, costs page faults that took a third of a push's
 * CPU), counted into `progress`. Each chunk's callback runs once the
 * request took it, so a reused buffer is never overwritten while queued.
 * Fewer or more bytes than `desc.size` fail the request.
 */
export function meteredWriter(send: (dest: Writable) => Promise<void>, desc: Descriptor, progress: ByteProgress): BodyWriter {
  return async (dest) => {
    let n = 0;
    const counted = new Writable({
      write(chunk: Buffer, _enc, done) {
        n += chunk.length;
        if (n > desc.size) return done(new SizeMismatchError(`push ${desc.digest}`, desc.size, n));
        progress.add(chunk.length);
        dest.write(chunk, (e) => done(e ?? null));
      },
    });
    let failure: unknown;
    counted.on("error", (e) => (failure ??= e));
    const stop = (): void => void counted.destroy();
    dest.once("close", stop);
    try {
      await send(counted);
    } finally {
      dest.off("close", stop);
      counted.destroy();
    }
    if (failure !== undefined) throw failure;
    if (n !== desc.size) throw new SizeMismatchError(`push ${desc.digest}`, desc.size, n);
  };
}

/**
 * The body of an upload of `desc` from a pooled GET (see pooled-get.ts):
 * each chunk written to the request and its buffer given back in the write's
 * callback, reading paused while the request is full. Counted into
 * `progress`; with `verify`, hashed, the last chunk held back until the
 * digest is known, as meteredCopy does. The body is closed when the request
 * ends first or the writing fails.
 */
export function pooledCopy(body: PooledBody, desc: Descriptor, progress: ByteProgress, verify: boolean): BodyWriter {
  const { digest, size } = desc;
  return async (dest) => {
    body.sized(size, `push ${digest}`);
    const hasher = verify ? new Digester(digestAlgorithm(digest)) : undefined;
    let held: { chunk: Buffer; release: () => void } | undefined;
    const resume = (): void => body.resume();
    const stop = (): void => body.destroy();
    dest.once("close", stop);
    try {
      await body.deliver((chunk, release) => {
        progress.add(chunk.length);
        let out: { chunk: Buffer; release: () => void } | undefined = { chunk, release };
        if (hasher !== undefined) {
          hasher.update(chunk);
          [out, held] = [held, out];
        }
        if (out === undefined) return true;
        const { release: done } = out;
        if (dest.write(out.chunk, () => done())) return true;
        dest.once("drain", resume);
        return false;
      });
      if (hasher !== undefined) {
        const actual = hasher.digest();
        if (actual !== digest) {
          held?.release();
          throw new DigestMismatchError(`push ${digest}`, digest, actual);
        }
        if (held !== undefined) {
          const last = held;
          dest.write(last.chunk, () => last.release());
        }
      }
    } finally {
      dest.off("close", stop);
      dest.off("drain", resume);
    }
  };
}
