import type { FileHandle } from "node:fs/promises";
import { BackwardLines } from "./backward-lines.js";
import type { LogLine } from "./line-assembler.js";
import { parseLogEntry, type LogStream } from "./log-entry.js";

/** Options for {@link readLastLines}. */
export interface LastLinesOptions {
  /** How many lines, counting only those `keep` accepts. */
  readonly count: number;
  /** Whether a line dated `time` (its last entry) is wanted: the `--since`/`--until` window. */
  readonly keep: (time: bigint) => boolean;
  /**
   * Entries older than this end the search: conmon writes in time order, so
   * nothing before them can be newer. Lines already begun are still completed.
   */
  readonly since?: bigint;
  readonly chunkBytes: number;
  readonly maxLineBytes: number;
}

/** The result of {@link readLastLines}. */
export interface LastLines {
  /** In file order (by each line's last entry). The last line of a stream may be unfinished. */
  readonly lines: LogLine[];
  /** Offset just after the last complete entry: where following goes on. */
  readonly end: number;
}

interface Building {
  readonly stream: LogStream;
  readonly time: bigint;
  readonly wanted: boolean;
  readonly complete: boolean;
  /** Newest first, reversed when the line is done. */
  readonly chunks: Buffer[];
  bytes: number;
}

/**
 * The last `count` wanted lines of the log in `file` (of `size` bytes),
 * read backwards from the end. P entries are joined per stream as in a
 * forward read: scanning backwards, an F entry ends the previous line of
 * its stream and begins the next one; a P entry belongs to the line of its
 * stream begun last. The scan stops once `count` wanted lines are begun and
 * each is complete (the F entry before it, or the start of the file, seen).
 * Malformed lines are skipped.
 */
export async function readLastLines(file: FileHandle, size: number, opts: LastLinesOptions): Promise<LastLines> {
  const reader = new BackwardLines(file, size, opts.chunkBytes, opts.maxLineBytes);
  const current = new Map<LogStream, Building>();
  const done = new Set<LogStream>();
  const begun: Building[] = [];
  let wanted = 0;
  let older = false;
  for await (const raw of reader.lines()) {
    const e = parseLogEntry(raw);
    if (e === undefined || done.has(e.stream)) continue;
    if (opts.since !== undefined && e.time < opts.since) older = true;
    const line = current.get(e.stream);
    if (line !== undefined && e.partial) {
      // A line over the limit keeps its newest bytes only: nothing older is added once one chunk did not fit.
      if (line.wanted && line.bytes + e.text.length <= opts.maxLineBytes) line.chunks.push(e.text);
      line.bytes = line.bytes + e.text.length <= opts.maxLineBytes ? line.bytes + e.text.length : Infinity;
      continue;
    }
    // An F entry (or a P entry at the very end, for a line still unfinished) begins a line.
    if (wanted >= opts.count || older) {
      current.delete(e.stream);
      done.add(e.stream);
      if ([...current.values()].every((b) => !b.wanted)) break;
      continue;
    }
    const keep = opts.keep(e.time);
    const next: Building = { stream: e.stream, time: e.time, wanted: keep, complete: !e.partial, chunks: keep ? [e.text] : [], bytes: e.text.length };
    current.set(e.stream, next);
    if (keep) {
      wanted++;
      begun.push(next);
    }
  }
  const lines = begun.reverse().map((b): LogLine => ({ stream: b.stream, time: b.time, complete: b.complete, text: Buffer.concat(b.chunks.reverse()) }));
  return { lines, end: reader.end };
}
