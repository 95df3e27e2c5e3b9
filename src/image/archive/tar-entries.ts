import { extract, type Header } from "tar-stream";
import { ArchiveFormatError } from "./errors.js";
import { whenDrained } from "../../content/index.js";

/** One entry of a tar: its header and its bytes, which must be read to the end (or drained) before the next. */
export interface TarEntry {
  readonly header: Header;
  readonly body: AsyncIterable<Uint8Array>;
}

/** Options for {@link readTarEntries}. */
export interface ReadTarOptions {
  /** More entries than this fail the read; default 100 000. */
  readonly maxEntries?: number;
  readonly signal?: AbortSignal;
}

const DEFAULT_MAX_ENTRIES = 100_000;

/**
 * The entries of the tar stream `input`, in archive order. Long names (PAX,
 * GNU) are applied to the header. A stream that is not a tar, or ends inside
 * an entry or a header, throws ArchiveFormatError naming the last entry read;
 * an error of `input` itself is passed on. Breaking out of the loop stops
 * reading `input`.
 */
export async function* readTarEntries(input: AsyncIterable<Uint8Array>, opts: ReadTarOptions = {}): AsyncGenerator<TarEntry> {
  const max = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const ex = extract();
  let last: string | undefined;
  let inputError: unknown;
  const feeding = feed(input, ex, opts.signal).catch((e: unknown) => {
    inputError = e;
    ex.destroy(e instanceof Error ? e : new Error(String(e)));
  });
  let count = 0;
  try {
    for await (const entry of ex) {
      if (++count > max) {
        throw new ArchiveFormatError(`more than ${max} entries`, { hint: "an image archive has a few files per layer; this one is not an image archive" });
      }
      last = entry.header.name;
      // streamx yields Buffers; its typings say unknown.
      yield { header: entry.header, body: entry as AsyncIterable<Uint8Array> };
    }
  } catch (e) {
    if (inputError !== undefined) throw inputError;
    if (e instanceof ArchiveFormatError) throw e;
    const where = last === undefined ? "at the start" : `after entry ${JSON.stringify(last)}`;
    const truncated = e instanceof Error && e.message === "Unexpected end of data";
    throw new ArchiveFormatError(truncated ? `the tar ends ${where}, in the middle of an entry` : `not a valid tar ${where} (${String(e instanceof Error ? e.message : e)})`, {
      cause: e,
      hint: truncated ? "the file is truncated; save or copy it again" : "berth reads tar archives, optionally gzip-compressed",
    });
  } finally {
    ex.destroy();
    await feeding;
  }
  if (inputError !== undefined) throw inputError;
}

async function feed(input: AsyncIterable<Uint8Array>, ex: ReturnType<typeof extract>, signal: AbortSignal | undefined): Promise<void> {
  for await (const chunk of input) {
    signal?.throwIfAborted();
    if (ex.destroyed) return;
    if (!ex.write(chunk)) await whenDrained(ex);
  }
  ex.end(null);
}
