import type { Writable } from "node:stream";
import type { LogLine } from "./line-assembler.js";
import type { LogStream } from "./log-entry.js";
import { formatLogTime } from "./rfc3339.js";

/** Where each stream's lines go: docker sends stdout to stdout and stderr to stderr. */
export interface LogWritables {
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/**
 * Writes lines to their stream's writable with backpressure, `-t`
 * timestamps and newlines (an unfinished line gets none). When a writable
 * is closed or fails (`berth logs | head` closes its pipe) the output is
 * {@link closed} and further lines are dropped: the reader then stops. An
 * abort of `signal` ends a wait for `drain` the same way.
 */
export class LogOutput {
  closed = false;

  constructor(
    private readonly out: LogWritables,
    private readonly timestamps: boolean,
    private readonly signal?: AbortSignal,
  ) {}

  async write(line: LogLine): Promise<void> {
    if (this.closed || this.signal?.aborted) return;
    const target = this.target(line.stream);
    if (target.destroyed || target.writableEnded) {
      this.closed = true;
      return;
    }
    const parts: Buffer[] = [];
    if (this.timestamps) parts.push(Buffer.from(`${formatLogTime(line.time)} `));
    parts.push(line.text);
    if (line.complete) parts.push(Buffer.from("\n"));
    if (!target.write(parts.length === 1 ? line.text : Buffer.concat(parts))) await this.drained(target);
  }

  private target(stream: LogStream): Writable {
    return stream === "stdout" ? this.out.stdout : this.out.stderr;
  }

  private drained(w: Writable): Promise<void> {
    return new Promise((resolve) => {
      const done = (closed: boolean) => (): void => {
        w.off("drain", onDrain);
        w.off("close", onClose);
        w.off("error", onClose);
        this.signal?.removeEventListener("abort", onClose);
        if (closed) this.closed = true;
        resolve();
      };
      const onDrain = done(false);
      const onClose = done(true);
      w.on("drain", onDrain);
      w.on("close", onClose);
      w.on("error", onClose);
      this.signal?.addEventListener("abort", onClose, { once: true });
    });
  }
}
