import { BerthError } from "../oci/index.js";

/**
 * The body of an attached run's answer (`POST /v1/containers/run/attached`):
 * the container's output and the daemon's messages on one connection, as
 * frames in docker's multiplexed-stream layout — an 8-byte header (the
 * frame's kind, three zero bytes, the payload's length as a big-endian
 * uint32), then the payload. Kinds: 1 stdout, 2 stderr (the bytes the
 * container wrote), 16 a JSON message from the daemon ({@link RunMessage}).
 * Frames, not JSON lines: output is bytes, and a container may write
 * gigabytes of them.
 */
export const FRAME_STDOUT = 1;
export const FRAME_STDERR = 2;
export const FRAME_MESSAGE = 16;
const KINDS = new Set([FRAME_STDOUT, FRAME_STDERR, FRAME_MESSAGE]);
export const FRAME_CONTENT_TYPE = "application/vnd.berth.frames";

const HEADER = 8;
/** The daemon cuts output into log-sized pieces; a bigger frame means the peer is not a berth daemon. */
export const MAX_FRAME = 4 * 1024 * 1024;

/** What the daemon says on an attached run, in this order: the id (or why there is none), then the exit code (or an error). */
export type RunMessage =
  | { readonly id: string }
  | { readonly imageAbsent: true }
  | { readonly startError: { readonly id: string; readonly exitCode: number; readonly message: string } }
  | { readonly exitCode: number }
  | { readonly error: unknown };

export interface Frame {
  readonly kind: number;
  readonly payload: Buffer;
}

export function encodeFrame(kind: number, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(HEADER + payload.length);
  frame.writeUInt32BE(kind << 24, 0);
  frame.writeUInt32BE(payload.length, 4);
  payload.copy(frame, HEADER);
  return frame;
}

/** The frames of a stream as its chunks come, however they are cut. */
export class FrameDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** The whole frames `chunk` completes; a header no berth daemon writes throws. */
  push(chunk: Buffer): Frame[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const frames: Frame[] = [];
    while (this.pendingBytes >= HEADER) {
      const head = this.peek(HEADER);
      const kind = head[0]!;
      const size = head.readUInt32BE(4);
      if (!KINDS.has(kind) || head[1] !== 0 || head[2] !== 0 || head[3] !== 0 || size > MAX_FRAME) {
        throw new BerthError("UNAVAILABLE", `the daemon's answer is not a berth frame stream (header ${head.toString("hex")})`);
      }
      if (this.pendingBytes < HEADER + size) break;
      frames.push({ kind, payload: this.take(HEADER + size).subarray(HEADER) });
    }
    return frames;
  }

  /** Bytes of a frame begun and not finished: the stream was cut when this is not 0 at its end. */
  get unfinished(): number {
    return this.pendingBytes;
  }

  private peek(n: number): Buffer {
    if (this.pending[0]!.length < n) this.pending = [Buffer.concat(this.pending)];
    return this.pending[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    const rest = all.subarray(n);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return all.subarray(0, n);
  }
}
