import { ArchiveFormatError, readTarEntries, type ArchiveTarEntry } from "../../image/index.js";
import { CopyRuleError } from "./errors.js";

/** One entry of a tar being read: its header and its bytes, to be read (or left) before the next. */
export type TarInputEntry = ArchiveTarEntry;

/**
 * The entries of the tar stream `input` in archive order, long names (pax,
 * GNU) applied: the image layer's reader, its errors said as cp's. More than
 * `maxEntries` entries, or bytes that are not a tar, throw CopyRuleError
 * (INVALID_ARGUMENT); an error of `input` itself is passed on. Leaving the
 * loop stops reading `input`.
 */
export async function* readTarInput(input: AsyncIterable<Uint8Array>, maxEntries: number, signal?: AbortSignal): AsyncGenerator<TarInputEntry> {
  try {
    yield* readTarEntries(input, { maxEntries, ...(signal !== undefined && { signal }) });
  } catch (e) {
    if (!(e instanceof ArchiveFormatError)) throw e;
    throw new CopyRuleError("INVALID_ARGUMENT", "tar stream", e.message, "copying from `-` reads an uncompressed tar archive on stdin");
  }
}
