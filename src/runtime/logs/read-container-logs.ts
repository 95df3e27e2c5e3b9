import { dirname } from "node:path";
import { InvalidArgumentError } from "../../oci/index.js";
import { ChangeWaiter } from "./change-waiter.js";
import { LogFileNotFoundError } from "./errors.js";
import { LineAssembler, type LogLine } from "./line-assembler.js";
import { LineSplitter } from "./line-splitter.js";
import { LogFileCursor } from "./log-file-cursor.js";
import { parseLogEntry } from "./log-entry.js";
import { LogOutput, type LogWritables } from "./log-output.js";
import { readLastLines } from "./read-last-lines.js";
import { dateToNanos } from "./rfc3339.js";

/** Options for {@link readContainerLogs}, docker's `logs` flags. */
export interface ContainerLogsOptions {
  /** Only lines finished at or after this time (`--since`, see parseLogTime). */
  readonly since?: Date;
  /** Only lines finished at or before this time (`--until`); following stops once it has passed. */
  readonly until?: Date;
  /** Only the last N lines (`--tail N`), read from the end of the file; undefined for all. */
  readonly tail?: number;
  /** Prefix each line with its time in docker's format (`-t`). */
  readonly timestamps?: boolean;
  /** Keep reading as the log grows (`-f`), until {@link stop} settles or {@link signal} aborts. */
  readonly follow?: boolean;
  /**
   * When following: settles when the container has exited. Following then
   * ends after reading what is left in the log (also through a replacement
   * of the file conmon made at the last moment).
   */
  readonly stop?: PromiseLike<unknown>;
  /** Ends the read at once, following or not, without draining; the promise still resolves. */
  readonly signal?: AbortSignal;
  /** Longest sleep between two looks at a followed file when inotify says nothing; default 250 ms. */
  readonly pollIntervalMs?: number;
}

const CHUNK_BYTES = 64 * 1024;
/** conmon cuts entries at 8 KiB; a "line" of 1 MiB without a newline is not one of its entries. */
const MAX_LINE_BYTES = 1024 * 1024;

/**
 * Write the log conmon keeps for a container (`k8s-file` format, see
 * LogEntry) to `out`: stdout lines to `out.stdout`, stderr lines to
 * `out.stderr`, P entries joined into the lines the container wrote,
 * malformed lines skipped. With `tail`, the file is read backwards from its
 * end. With `follow`, reading goes on as the file grows and survives
 * conmon's size limit (the file replaced by a new one) and an in-place
 * truncation; it ends when `stop` settles (then drains), when `until` has
 * passed, when a writable closes, or when `signal` aborts. A line still
 * unfinished at the end is written without a newline.
 *
 * Throws LogFileNotFoundError when the log does not exist and `follow` is
 * off (following waits for it), InvalidArgumentError for a bad `tail`, and
 * the filesystem's error when the file cannot be read.
 */
export async function readContainerLogs(logPath: string, opts: ContainerLogsOptions, out: LogWritables): Promise<void> {
  if (opts.tail !== undefined && (!Number.isSafeInteger(opts.tail) || opts.tail < 0)) {
    throw new InvalidArgumentError(`tail: ${opts.tail} is not a number of lines`, { hint: "give a whole number ≥ 0, or leave it out for all lines" });
  }
  const since = opts.since === undefined ? undefined : dateToNanos(opts.since);
  const until = opts.until === undefined ? undefined : dateToNanos(opts.until);
  const reader = new LogReader(logPath, opts, out, since, until);
  await reader.run();
}

/** The state of one {@link readContainerLogs} call. */
class LogReader {
  private readonly output: LogOutput;
  private readonly assembler = new LineAssembler(MAX_LINE_BYTES);
  private readonly splitter = new LineSplitter(MAX_LINE_BYTES);
  private readonly buffer = Buffer.alloc(CHUNK_BYTES);
  private stopping = false;
  private untilPassed = false;
  private waiter: ChangeWaiter | undefined;

  constructor(
    private readonly path: string,
    private readonly opts: ContainerLogsOptions,
    out: LogWritables,
    private readonly since: bigint | undefined,
    private readonly until: bigint | undefined,
  ) {
    this.output = new LogOutput(out, opts.timestamps === true, opts.signal);
  }

  async run(): Promise<void> {
    if (this.opts.signal?.aborted) return;
    const follow = this.opts.follow === true;
    if (follow) {
      this.waiter = new ChangeWaiter(dirname(this.path), this.opts.pollIntervalMs ?? 250);
      if (this.opts.stop !== undefined) Promise.resolve(this.opts.stop).then(() => this.end(), () => this.end());
    }
    try {
      const cursor = (await LogFileCursor.open(this.path)) ?? (follow ? await this.waitForFile() : undefined);
      if (cursor === undefined) {
        if (!follow) throw new LogFileNotFoundError(this.path);
        return;
      }
      try {
        await this.read(cursor, follow);
      } finally {
        await cursor.close();
      }
    } finally {
      this.waiter?.close();
    }
  }

  private async read(cursor: LogFileCursor, follow: boolean): Promise<void> {
    if (this.opts.tail !== undefined) {
      const size = await cursor.size();
      const last = await readLastLines(cursor.handle, size, {
        count: this.opts.tail, keep: (t) => this.keep(t), since: this.since, chunkBytes: CHUNK_BYTES, maxLineBytes: MAX_LINE_BYTES,
      });
      for (const line of last.lines) {
        if (follow && !line.complete) this.assembler.seed(line);
        else await this.output.write(line);
      }
      cursor.position = last.end;
      if (!follow) return;
    } else if (!follow) {
      // A one-off read stops at the size it found, even if the container writes faster than we read.
      await this.pump(cursor, await cursor.size());
      return this.flush();
    }
    await this.follow(cursor);
    if (!this.cancelled()) await this.flush();
  }

  private async follow(cursor: LogFileCursor): Promise<void> {
    for (;;) {
      // Decided before the read: whatever was written before the stop is then read by it.
      const last = this.ending();
      await this.pump(cursor);
      if (this.cancelled()) return;
      const change = await cursor.change();
      if (change === "replaced") {
        // conmon closed the old file before the rename, so what it holds now is all it will ever hold.
        await this.pump(cursor);
        this.splitter.reset();
        if (await cursor.reopen()) continue;
      } else if (change === "truncated") {
        this.splitter.reset();
        cursor.position = 0;
        continue;
      }
      if (last) return;
      await this.waiter?.wait(this.opts.signal);
    }
  }

  /** Read from the cursor to the end of the file (or `limit`), writing every line it completes. */
  private async pump(cursor: LogFileCursor, limit = Infinity): Promise<void> {
    while (!this.cancelled() && cursor.position < limit) {
      const chunk = await cursor.read(limit === Infinity ? this.buffer : this.buffer.subarray(0, Math.min(this.buffer.length, limit - cursor.position)));
      if (chunk.length === 0) return;
      for (const raw of this.splitter.push(chunk)) {
        const entry = parseLogEntry(raw);
        if (entry === undefined) continue;
        for (const line of this.assembler.push(entry)) await this.emit(line);
      }
    }
  }

  private async flush(): Promise<void> {
    for (const line of this.assembler.flush()) await this.emit(line);
  }

  private async emit(line: LogLine): Promise<void> {
    if (this.keep(line.time)) return this.output.write(line);
    if (this.until !== undefined && line.time > this.until) this.untilPassed = true;
  }

  private keep(time: bigint): boolean {
    return (this.since === undefined || time >= this.since) && (this.until === undefined || time <= this.until);
  }

  private ending(): boolean {
    return this.stopping || this.untilPassed || (this.until !== undefined && dateToNanos(new Date()) > this.until);
  }

  private end(): void {
    this.stopping = true;
    this.waiter?.poke();
  }

  private cancelled(): boolean {
    return this.opts.signal?.aborted === true || this.output.closed;
  }

  /** Wait for the log to appear; undefined when following ends first. */
  private async waitForFile(): Promise<LogFileCursor | undefined> {
    for (;;) {
      const ended = this.ending();
      const cursor = await LogFileCursor.open(this.path);
      if (cursor !== undefined || ended || this.cancelled()) return cursor;
      await this.waiter?.wait(this.opts.signal);
    }
  }
}
