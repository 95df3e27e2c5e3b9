import type { ProgressEvent } from "../client/index.js";
import { formatBytes } from "./format.js";

/** How progress is shown: bars on a terminal, a line per event otherwise, JSON lines for scripts, or nothing. */
export type ProgressMode = "tty" | "plain" | "json" | "quiet";

/** Pick the mode docker users expect: bars only when stderr is a terminal. */
export function progressMode(opts: { quiet?: boolean; json?: boolean }, stream?: NodeJS.WriteStream): ProgressMode {
  if (opts.quiet) return "quiet";
  if (opts.json) return "json";
  // process.stderr only when asked for: making it costs about a millisecond, and --quiet prints nothing there.
  return (stream ?? process.stderr).isTTY ? "tty" : "plain";
}

interface BlobLine {
  status: string;
  bytes: number;
  size: number;
  startedAt: number;
  startBytes: number;
}

const short = (digest: string): string => digest.replace(/^sha\d+:/, "").slice(0, 12);

/**
 * Renders transfer progress. Per-layer bars with bytes and speed are redrawn in
 * place at most every 100 ms on a terminal; elsewhere each state change is
 * one line, so logs stay readable.
 */
export class ProgressRenderer {
  private readonly blobs = new Map<string, BlobLine>();
  private drawnLines = 0;
  private lastDraw = 0;
  private timer: NodeJS.Timeout | undefined;
  private finished = false;

  /** `out` may be given as a function, called at the first write: a quiet renderer then never makes process.stderr. */
  constructor(
    private readonly mode: ProgressMode,
    private out: NodeJS.WritableStream | (() => NodeJS.WritableStream) = () => process.stderr,
    private readonly verb = "Downloading",
  ) {}

  private write(text: string): void {
    if (typeof this.out === "function") this.out = this.out();
    this.out.write(text);
  }

  readonly listener = (e: ProgressEvent): void => {
    if (this.mode === "quiet" || this.finished) return;
    if (this.mode === "json") {
      this.write(`${JSON.stringify(e)}\n`);
      return;
    }
    const line = this.lineFor(e);
    if (this.mode === "plain") {
      if (line) this.write(`${line}\n`);
      return;
    }
    this.scheduleDraw();
  };

  /** Draw the final state and stop redrawing; later calls and events do nothing. */
  finish(): void {
    if (this.finished) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.mode === "tty" && this.blobs.size > 0) this.draw();
    this.finished = true;
  }

  private lineFor(e: ProgressEvent): string | undefined {
    switch (e.type) {
      case "resolve":
        return `${e.reference}: resolved to ${e.descriptor.digest}`;
      case "manifest-done":
        return `manifest ${e.descriptor.digest} done`;
      case "blob-start":
        this.blobs.set(e.digest, { status: this.verb, bytes: e.offset, size: e.size, startedAt: Date.now(), startBytes: e.offset });
        return `${short(e.digest)}: ${this.verb.toLowerCase()} ${formatBytes(e.size)}${e.offset > 0 ? ` (resuming at ${formatBytes(e.offset)})` : ""}`;
      case "blob-bytes": {
        const b = this.blobs.get(e.digest);
        if (b) b.bytes = e.bytes;
        return undefined;
      }
      case "blob-done":
        return this.settle(e.digest, e.size, "Complete");
      case "blob-exists":
        return this.settle(e.digest, e.size, "Already exists");
      case "blob-mounted":
        return this.settle(e.digest, e.size, `Mounted from ${e.from}`);
      case "blob-skipped":
        return this.settle(e.digest, e.size, `Skipped (${e.reason})`);
      case "blob-retry": {
        const b = this.blobs.get(e.digest);
        if (b) b.status = `Retrying (attempt ${e.attempt})`;
        return `${short(e.digest)}: retrying after ${e.error} (attempt ${e.attempt})`;
      }
    }
  }

  private settle(digest: string, size: number, status: string): string {
    const b = this.blobs.get(digest) ?? { status, bytes: size, size, startedAt: Date.now(), startBytes: 0 };
    b.status = status;
    b.bytes = size;
    this.blobs.set(digest, b);
    return `${short(digest)}: ${status.toLowerCase()}`;
  }

  private scheduleDraw(): void {
    const wait = 100 - (Date.now() - this.lastDraw);
    if (wait <= 0) this.draw();
    else this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.draw();
    }, wait);
  }

  private draw(): void {
    this.lastDraw = Date.now();
    const lines = [...this.blobs.entries()].map(([d, b]) => `${short(d)}: ${b.status.padEnd(16)} ${this.bar(b)}`);
    const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A` : "";
    this.write(`${up}${lines.map((l) => `\x1b[2K${l}\n`).join("")}`);
    this.drawnLines = lines.length;
  }

  private bar(b: BlobLine): string {
    if (b.status !== this.verb || b.size === 0) return "";
    const width = 30;
    const filled = Math.min(width, Math.round((b.bytes / b.size) * width));
    const secs = (Date.now() - b.startedAt) / 1000;
    const speed = secs > 0.2 ? ` ${formatBytes((b.bytes - b.startBytes) / secs)}/s` : "";
    return `[${"=".repeat(Math.max(0, filled - 1))}${filled > 0 ? ">" : ""}${" ".repeat(width - filled)}] ${formatBytes(b.bytes)}/${formatBytes(b.size)}${speed}`;
  }
}
