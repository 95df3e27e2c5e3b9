import { connect, type Socket } from "node:net";
import { SizeMismatchError } from "../../content/index.js";

// Written by hand, for one job: moving a large blob's body from a registry spoken to in plain HTTP
// (loopback, insecure registries) into an upload. node:http reads every chunk into a fresh buffer
// and through a readable stream; on a registry-to-registry copy those fresh buffers (page faults
// in the kernel's copies) and the stream's work took half of berth's CPU, which on two cores shares
// the machine with both registries. Here a socket of its own reads with `onread` into a pool of
// reused buffers, each handed on with a function that gives it back. Anything but a 200 with a
// Content-Length (a redirect, a challenge, a chunked body) is left to the full client.

/**
 * Bytes per read: fewer, larger reads and writes. Each read costs a fixed
 * amount besides its bytes (the syscall, the ACK it sends, which the kernel
 * processes for the sender in this process too, a callback, a write into the
 * upload): on the bench's copy, 512 KiB instead of 256 KiB took berth from
 * ~300 to ~260 CPU-ms (128 KiB: ~330; 1 and 2 MiB no better than 512 KiB),
 * and a buffer this size still fits the L2 cache that the hash reads it from.
 */
const BUFFER_BYTES = 512 << 10;
/** Buffers kept for reuse across blobs (12 MiB): a copy of 6 blobs at once keeps up to 18 in use (reading, held for the digest, being written). */
const POOL_MAX = 24;
/** A response head larger than this is not a registry's blob answer. */
const HEAD_MAX = 64 << 10;

/** Whether a blob is large enough for a pooled GET: below 4 MiB a connection of its own costs more than the buffers save. */
export const worthPooling = (size: number): boolean => size > 4 << 20;

const pool: Buffer[] = [];
const take = (): Buffer => pool.pop() ?? Buffer.allocUnsafeSlow(BUFFER_BYTES);
const give = (b: Buffer): void => void (pool.length < POOL_MAX && pool.push(b));

/**
 * Where a body's chunks go: each is a view of a pooled buffer, valid until
 * `release` is called (call it once the bytes were used, for example in the
 * callback of the write that took them). Return false to pause reading until
 * {@link PooledBody.resume}.
 */
export type PooledChunkSink = (chunk: Buffer, release: () => void) => boolean;

/** Options for {@link openPooledGet}. */
export interface PooledGetOptions {
  readonly signal?: AbortSignal;
  /** Milliseconds without data before the GET fails with ETIMEDOUT (default 60 s). */
  readonly idleTimeoutMs?: number;
}

/** The body of a GET answered 200 with a Content-Length, not read yet. */
export class PooledBody {
  private sink: PooledChunkSink | undefined;
  private pending: Buffer | undefined;
  private received = 0;
  private finished = false;
  /** How the connection ended before the delivery began, if it did. */
  private endedEarly: Error | undefined;
  private settle: ((e?: Error) => void) | undefined;

  /** @internal made by openPooledGet. */
  constructor(private readonly socket: Socket, readonly size: number, first: Buffer) {
    this.pending = first.length > 0 ? first : undefined;
  }

  /**
   * Hand the whole body to `sink`, chunk by chunk; resolves once `size`
   * bytes went to it. Rejects when the connection ends or fails first
   * (errno ECONNRESET: the caller may try again), on more bytes than
   * announced, and on abort. Once only.
   */
  deliver(sink: PooledChunkSink): Promise<void> {
    if (this.sink !== undefined) throw new Error("a pooled body is delivered once");
    this.sink = sink;
    return new Promise<void>((resolve, reject) => {
      this.settle = (e) => {
        if (this.finished) return;
        this.finished = true;
        this.socket.destroy();
        if (e === undefined) resolve();
        else reject(e);
      };
      const first = this.pending;
      this.pending = undefined;
      if (this.size === 0) return this.settle();
      const more = first === undefined || this.take(first, () => undefined);
      if (this.endedEarly !== undefined) return this.settle(this.endedEarly);
      if (more) this.socket.resume();
    });
  }

  /**
   * This body, when it is as long as the blob it should be (`size`, from its
   * descriptor); else it is closed and SizeMismatchError (naming `ref`) thrown.
   */
  sized(size: number, ref: string): this {
    if (this.size === size) return this;
    this.destroy();
    throw new SizeMismatchError(ref, size, this.size);
  }

  /** Read on after the sink returned false. */
  resume(): void {
    if (!this.finished) this.socket.resume();
  }

  /** Close the connection (a body not delivered, or a delivery given up); safe to call twice. */
  destroy(): void {
    if (this.settle !== undefined) this.settle(new Error("the body's delivery was stopped"));
    else this.socket.destroy();
    this.finished = true;
  }

  /** @internal a chunk read after the head; false pauses reading. */
  onBody(chunk: Buffer, release: () => void): boolean {
    if (this.sink === undefined) {
      // Not delivered yet: the head's reader paused the socket, so this is the only early chunk.
      this.pending = this.pending === undefined ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
      release();
      return false;
    }
    return this.take(chunk, release);
  }

  /** @internal the connection ended or failed. */
  onEnd(e: Error | undefined): void {
    if (this.finished) return;
    const got = this.received + (this.settle === undefined ? (this.pending?.length ?? 0) : 0);
    const why = e ?? Object.assign(new Error(`the connection ended after ${got} of ${this.size} bytes`), { code: "ECONNRESET" });
    // Before the delivery, the whole body may be in `pending` already: deliver() decides.
    if (this.settle !== undefined) this.settle(why);
    else if (got < this.size) this.endedEarly = why;
  }

  private take(chunk: Buffer, release: () => void): boolean {
    if (this.finished) {
      release();
      return false;
    }
    this.received += chunk.length;
    if (this.received > this.size) {
      release();
      this.settle!(new Error(`the server sent more than the ${this.size} bytes it announced`));
      return false;
    }
    const more = this.sink!(chunk, release);
    if (this.received === this.size) {
      this.settle!();
      return false;
    }
    return more;
  }
}

/**
 * GET `url` (http: only) with `headers` on a connection of its own; the body
 * when the answer is 200 with a Content-Length (not yet read: see
 * {@link PooledBody.deliver}), else undefined with the connection closed, for
 * the caller to ask again through a client that follows redirects and
 * answers challenges. Rejects when the connection fails (with its errno).
 */
export function openPooledGet(url: URL, headers: Readonly<Record<string, string>> = {}, opts: PooledGetOptions = {}): Promise<PooledBody | undefined> {
  if (url.protocol !== "http:") return Promise.resolve(undefined);
  const lines = Object.entries({ host: url.host, ...headers, connection: "close" }).map(([k, v]) => `${k}: ${v}`);
  // A header that could split the request is not sent here (the full client refuses it, with a message).
  if (lines.some((l) => /[\r\n]/.test(l))) return Promise.resolve(undefined);
  const request = `GET ${url.pathname}${url.search} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`;
  return new Promise((resolve, reject) => {
    let head: Buffer = Buffer.alloc(0);
    let body: PooledBody | undefined;
    let opened = false;
    const fail = (e: Error): void => {
      socket.destroy();
      if (body !== undefined) body.onEnd(e);
      else if (!opened) {
        opened = true;
        reject(e);
      }
    };
    const onRead = (nread: number, buf: Buffer): boolean => {
      if (body !== undefined) return body.onBody(buf.subarray(0, nread), () => give(buf));
      head = Buffer.concat([head, buf.subarray(0, nread)]);
      give(buf);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.length > HEAD_MAX) fail(new Error(`a response head of more than ${HEAD_MAX} bytes`));
        return true;
      }
      const size = blobAnswerSize(head.subarray(0, end).toString("latin1"));
      opened = true;
      if (size === undefined) {
        socket.destroy();
        resolve(undefined);
        return false;
      }
      body = new PooledBody(socket, size, head.subarray(end + 4));
      resolve(body);
      // Nothing more is read until the body is delivered.
      return false;
    };
    const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    const socket = connect({ host, port: Number(url.port || 80), onread: { buffer: take, callback: onRead } }, () => socket.write(request));
    socket.setTimeout(opts.idleTimeoutMs ?? 60_000, () => fail(Object.assign(new Error(`no data for ${opts.idleTimeoutMs ?? 60_000} ms`), { code: "ETIMEDOUT" })));
    socket.on("error", fail);
    socket.on("close", () => {
      if (body !== undefined) body.onEnd(undefined);
      else if (!opened) fail(Object.assign(new Error("the connection closed before the answer"), { code: "ECONNRESET" }));
    });
    const signal = opts.signal;
    if (signal !== undefined) {
      const abort = (): void => fail(Object.assign(new Error("aborted"), { name: "AbortError" }));
      if (signal.aborted) abort();
      else {
        signal.addEventListener("abort", abort, { once: true });
        socket.once("close", () => signal.removeEventListener("abort", abort));
      }
    }
  });
}

/** The Content-Length of a `200` head with no Transfer-Encoding, else undefined. */
function blobAnswerSize(head: string): number | undefined {
  const [status, ...fields] = head.split("\r\n");
  if (!/^HTTP\/1\.[01] 200 /.test(`${status} `)) return undefined;
  let size: number | undefined;
  for (const f of fields) {
    const colon = f.indexOf(":");
    const name = f.slice(0, colon).trim().toLowerCase();
    const value = f.slice(colon + 1).trim();
    if (name === "transfer-encoding") return undefined;
    if (name === "content-length") {
      if (!/^\d{1,15}$/.test(value) || (size !== undefined && size !== Number(value))) return undefined;
      size = Number(value);
    }
  }
  return size;
}
