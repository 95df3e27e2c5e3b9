import { extract, type Header } from "tar-stream";
import { CopyRuleError } from "./errors.js";

/** One entry of a tar being read: its header and its bytes, to be read (or left) before the next. */
export interface TarInputEntry {
  readonly header: Header;
  readonly body: AsyncIterable<Uint8Array>;
}

/**
 * The entries of the tar stream `input` in archive order, long names (pax,
 * GNU) applied. More than `maxEntries` entries, or bytes that are not a
 * tar, throw CopyRuleError (INVALID_ARGUMENT); an error of `input` itself is
 * passed on. Leaving the loop stops reading `input`.
 */
export async function* readTarInput(input: AsyncIterable<Uint8Array>, maxEntries: number, signal?: AbortSignal): AsyncGenerator<TarInputEntry> {
  const ex = extract();
  let inputError: unknown;
  const feeding = feed(input, ex, signal).catch((e: unknown) => {
    inputError = e;
    ex.destroy(e instanceof Error ? e : new Error(String(e)));
  });
  let count = 0;
  let last: string | undefined;
  try {
    for await (const entry of ex) {
      if (++count > maxEntries) throw new CopyRuleError("INVALID_ARGUMENT", "tar stream", `more than ${maxEntries} entries`, "copy fewer files at once");
      last = entry.header.name;
      // streamx yields Buffers; its typings say unknown.
      yield { header: entry.header, body: entry as AsyncIterable<Uint8Array> };
    }
  } catch (e) {
    if (inputError !== undefined) throw inputError;
    if (e instanceof CopyRuleError) throw e;
    const where = last === undefined ? "at the start" : `after entry ${JSON.stringify(last)}`;
    throw new CopyRuleError("INVALID_ARGUMENT", "tar stream", `not a valid tar ${where} (${e instanceof Error ? e.message : String(e)})`, "copying from `-` reads an uncompressed tar archive on stdin");
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
    if (!ex.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          ex.off("drain", done);
          ex.off("close", done);
          resolve();
        };
        ex.on("drain", done);
        ex.on("close", done);
      });
    }
  }
  ex.end(null);
}
