import { parseRfc3339Nanos } from "./rfc3339.js";

/** The two streams conmon records. */
export type LogStream = "stdout" | "stderr";

/**
 * One line of conmon's `k8s-file` log (the CRI format):
 *
 * ```
 * 2024-05-01T10:00:00.123456789+02:00 stdout F a whole line
 * 2024-05-01T10:00:00.123456789+02:00 stderr P the first 8 KiB of a long li
 * 2024-05-01T10:00:00.124000000+02:00 stderr F ne, ended here
 * └ RFC 3339, local time + offset     └stream └ P = partial, continued by the next entry of that stream
 * ```
 *
 * conmon writes one entry per read of the container's pipe: a line is split
 * at its 8 KiB buffer and when the program flushed half a line.
 */
export interface LogEntry {
  /** Nanoseconds since the epoch. */
  readonly time: bigint;
  readonly stream: LogStream;
  /** True for `P`: the line goes on in the next entry of the same stream. */
  readonly partial: boolean;
  /** The bytes as the container wrote them, without the newline. */
  readonly text: Buffer;
}

const SPACE = 0x20;

/**
 * Parse one log line (without its `\n`), or return undefined when it is not
 * a k8s-file entry: no valid time, an unknown stream, a tag other than P/F.
 * Malformed lines are the caller's to skip; they are never fatal.
 */
export function parseLogEntry(line: Buffer): LogEntry | undefined {
  const afterTime = line.indexOf(SPACE);
  if (afterTime <= 0 || afterTime > 64) return undefined;
  const afterStream = line.indexOf(SPACE, afterTime + 1);
  if (afterStream < 0) return undefined;
  const stream = line.toString("latin1", afterTime + 1, afterStream);
  if (stream !== "stdout" && stream !== "stderr") return undefined;
  const tag = line[afterStream + 1];
  if (tag !== 0x50 && tag !== 0x46) return undefined; // P, F
  // conmon writes "F " before the text, also for an empty line; "F" at the end is tolerated.
  const textStart = afterStream + 2;
  if (textStart < line.length && line[textStart] !== SPACE) return undefined;
  const time = parseRfc3339Nanos(line.toString("latin1", 0, afterTime));
  if (time === undefined) return undefined;
  return { time, stream, partial: tag === 0x50, text: line.subarray(Math.min(textStart + 1, line.length)) };
}
