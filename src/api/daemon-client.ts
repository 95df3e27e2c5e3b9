import { request, type IncomingMessage } from "node:http";
import { connect } from "node:net";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { BerthError } from "../oci/index.js";
import { fromWireError, type StreamLine } from "./api-wire.js";
import { DaemonNotRunningError, DaemonUnavailableError } from "./daemon-errors.js";
import { FRAME_CONTENT_TYPE, FrameDecoder, type Frame } from "./frame-stream.js";

/** Sinks for a streamed answer's lines. */
export interface StreamSinks<E> {
  readonly onEvent?: (e: E) => void;
  readonly onProgress?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/**
 * The daemon's API from a client: JSON over HTTP on the unix socket. Errors
 * come back as the BerthErrors the daemon threw (code, message, hint), so a
 * CLI prints and exits as it would running the library itself. Node's http
 * speaks to a socket path itself; no HTTP library is needed for this.
 */
export class DaemonClient {
  constructor(readonly socket: string) {}

  /** True when a daemon answers. */
  async ping(): Promise<boolean> {
    try {
      await this.json("GET", "/v1/ping");
      return true;
    } catch {
      return false;
    }
  }

  /** One JSON request and its JSON answer. */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    const text = await readAll(res);
    let v: unknown;
    try {
      v = text === "" ? undefined : JSON.parse(text);
    } catch {
      throw new DaemonUnavailableError(this.socket, `answered ${method} ${path} with something that is not JSON`);
    }
    if ((res.statusCode ?? 500) >= 400) throw fromWireError((v as { error?: unknown } | undefined)?.error, `${method} ${path}: HTTP ${res.statusCode}`);
    return v as T;
  }

  /** A streamed operation: events and progress to the sinks, then its result (or its error, thrown). */
  async stream<E, R>(method: string, path: string, body: unknown, sinks: StreamSinks<E> = {}): Promise<R> {
    const res = await this.send(method, path, body, sinks.signal);
    if ((res.statusCode ?? 500) >= 400) throw await refusal(res, method, path);
    for await (const raw of lineReader(res)) {
      const line = raw as StreamLine<E, R>;
      if ("event" in line) sinks.onEvent?.(line.event);
      else if ("progress" in line) sinks.onProgress?.(line.progress);
      else if ("result" in line) return line.result;
      else if ("error" in line) throw fromWireError(line.error, `${method} ${path} failed`);
    }
    if (sinks.signal?.aborted) throw new BerthError("CANCELLED", `${method} ${path}: interrupted`);
    throw new DaemonUnavailableError(this.socket, `the answer to ${method} ${path} ended early (did the daemon stop?)`, "look at the daemon's log; the operation may have been done in part: run it again");
  }

  /**
   * A framed answer (see frame-stream.ts): each frame to `onFrame` as it
   * comes, the next read held back while a promise it returns is pending (so
   * a slow reader of the output slows the daemon down instead of filling
   * memory). Resolves when the answer ends; a stream cut inside a frame, or
   * one that is not framed, is a DaemonUnavailableError.
   */
  async frames(method: string, path: string, body: unknown, onFrame: (f: Frame) => void | Promise<void>): Promise<void> {
    const res = await this.send(method, path, body);
    if ((res.statusCode ?? 500) >= 400) throw await refusal(res, method, path);
    if (res.headers["content-type"] !== FRAME_CONTENT_TYPE) {
      res.resume();
      throw new DaemonUnavailableError(this.socket, `answered ${method} ${path} with ${res.headers["content-type"] ?? "no content type"}, not a frame stream`);
    }
    const decoder = new FrameDecoder();
    await deliverFrames(res, decoder, onFrame);
    if (decoder.unfinished > 0 || !res.complete) {
      throw new DaemonUnavailableError(this.socket, `the answer to ${method} ${path} ended early (did the daemon stop?)`);
    }
  }

  /** The NDJSON lines of a GET, as they come (for `events -f`), until the daemon or `signal` ends them. */
  async *lines(path: string, signal?: AbortSignal): AsyncGenerator<unknown> {
    const res = await this.send("GET", path, undefined, signal);
    if ((res.statusCode ?? 500) >= 400) throw fromWireError((JSON.parse((await readAll(res)) || "{}") as { error?: unknown }).error, `GET ${path}: HTTP ${res.statusCode}`);
    yield* lineReader(res);
  }

  private send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<IncomingMessage> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request({
        // A connection of its own rather than through an Agent: the Agent names its sockets with
        // net.isIP("localhost"), whose first call compiles the IPv6 regular expression — 10 to 30 ms
        // here, most of what a short command's request would cost.
        createConnection: () => connect(this.socket),
        method, path,
        headers: { host: "berth", ...(payload !== undefined && { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }) },
        ...(signal && { signal }),
      }, resolve);
      req.on("error", (e: NodeJS.ErrnoException) => {
        if (e.name === "AbortError") reject(new BerthError("CANCELLED", `${method} ${path}: interrupted`));
        else reject(e.code === "ENOENT" || e.code === "ECONNREFUSED" ? new DaemonNotRunningError(this.socket) : new DaemonUnavailableError(this.socket, e.message));
      });
      req.end(payload);
    });
  }
}

/** The error a streamed operation's refusal (status 400 and up, JSON) carries, as the BerthError it was. */
async function refusal(res: IncomingMessage, method: string, path: string): Promise<BerthError> {
  let v: unknown;
  try {
    v = JSON.parse(await readAll(res));
  } catch {
    v = undefined;
  }
  return fromWireError((v as { error?: unknown } | undefined)?.error, `${method} ${path}: HTTP ${res.statusCode}`);
}

// Answers are read with 'data' listeners rather than `for await`: a stream's async iterator
// loads and compiles stream/operators, compose and pipeline on first use, milliseconds of every
// short command such as a foreground `berth run`.

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.once("error", reject);
    // Cut short (the daemon went away): as the stream's iterator would have failed.
    res.once("close", () => {
      if (!res.complete) reject(Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
    });
  });
}

/**
 * Each frame of `res` (an HTTP answer's body, or a run socket connection) to `onFrame`, in order; reading is paused while a
 * promise it returned is pending. Resolves when the answer ends, also when
 * the connection was reset or closed first (the caller then finds the answer
 * incomplete); rejects with what onFrame or the decoder threw.
 */
export function deliverFrames(res: Readable, decoder: FrameDecoder, onFrame: (f: Frame) => void | Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed = false;
    let waiting = false;
    let over = false;
    const fail = (e: unknown): void => {
      if (failed) return;
      failed = true;
      res.destroy();
      reject(e);
    };
    const done = (): void => {
      over = true;
      if (!failed && !waiting) resolve();
    };
    // From frame `i` on: synchronously while onFrame returns nothing, then after its promise.
    const deliver = (frames: readonly Frame[], i: number): void => {
      for (; i < frames.length && !failed; i++) {
        let pending: void | Promise<void>;
        try {
          pending = onFrame(frames[i]!);
        } catch (e) {
          return fail(e);
        }
        if (pending !== undefined) {
          waiting = true;
          res.pause();
          const next = i + 1;
          pending.then(() => {
            waiting = false;
            deliver(frames, next);
            if (waiting || failed) return;
            if (over) resolve();
            else res.resume();
          }, fail);
          return;
        }
      }
    };
    res.on("data", (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = decoder.push(chunk);
      } catch (e) {
        return fail(e);
      }
      deliver(frames, 0);
    });
    res.once("end", done);
    res.once("close", done);
    res.once("error", (e: NodeJS.ErrnoException) => (e.code === "ECONNRESET" ? done() : fail(e)));
  });
}

async function* lineReader(res: IncomingMessage): AsyncGenerator<unknown> {
  const rl = createInterface({ input: res, crlfDelay: Infinity });
  try {
    for await (const line of rl) {
      if (line.trim() === "") continue;
      yield JSON.parse(line) as unknown;
    }
  } catch (e) {
    // The daemon went away mid-stream, or the caller aborted: the stream just ends.
    if (!(e instanceof Error && (e.name === "AbortError" || (e as NodeJS.ErrnoException).code === "ECONNRESET"))) throw e;
  }
}
