import type { LogEntry, LogStream } from "./log-entry.js";

/** One line as the container wrote it: its P entries joined to the F entry that ends it. */
export interface LogLine {
  readonly stream: LogStream;
  /**
   * Nanoseconds since the epoch of the line's last entry, when it was
   * finished (as podman dates a joined line). `--since`/`--until` and `-t` use it.
   */
  readonly time: bigint;
  readonly text: Buffer;
  /** False for a line without its end yet (the container is still writing it, or exited mid-line). */
  readonly complete: boolean;
}

interface Pending {
  chunks: Buffer[];
  bytes: number;
  time: bigint;
}

/**
 * Joins P entries per stream, in file order: stdout and stderr interleave
 * in the file and each keeps its own unfinished line. A line that grows past
 * `maxLineBytes` is handed out in pieces (`complete: false`) so an endless
 * line cannot exhaust memory.
 */
export class LineAssembler {
  private readonly pending = new Map<LogStream, Pending>();

  constructor(private readonly maxLineBytes: number) {}

  /** The lines `entry` completes: none for a P entry (unless the line is too long), one for an F entry. */
  push(entry: LogEntry): LogLine[] {
    const p = this.pending.get(entry.stream);
    if (!entry.partial) {
      this.pending.delete(entry.stream);
      const text = p === undefined ? entry.text : Buffer.concat([...p.chunks, entry.text]);
      return [{ stream: entry.stream, time: entry.time, text, complete: true }];
    }
    const out: LogLine[] = [];
    if (p !== undefined && p.bytes + entry.text.length > this.maxLineBytes) {
      out.push({ stream: entry.stream, time: p.time, text: Buffer.concat(p.chunks), complete: false });
      this.pending.delete(entry.stream);
    }
    this.seed({ stream: entry.stream, time: entry.time, text: entry.text, complete: false });
    return out;
  }

  /** Start (or extend) the unfinished line of `line.stream` with `line`, e.g. a partial line read by a tail. */
  seed(line: LogLine): void {
    const p = this.pending.get(line.stream) ?? { chunks: [], bytes: 0, time: line.time };
    p.chunks.push(line.text);
    p.bytes += line.text.length;
    p.time = line.time;
    this.pending.set(line.stream, p);
  }

  /** The unfinished lines, oldest last entry first, and forget them: the log has ended. */
  flush(): LogLine[] {
    const lines = [...this.pending].map(([stream, p]): LogLine => ({ stream, time: p.time, text: Buffer.concat(p.chunks), complete: false }));
    this.pending.clear();
    return lines.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  }
}
