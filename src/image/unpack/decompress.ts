import { Transform, type Readable, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { Decompress as ZstdDecompress } from "fzstd";
import { MediaType } from "../../oci/index.js";
import { LayerFormatError } from "./unpack-errors.js";

const GUNZIP_CHUNK = 256 << 10;

/** How a layer blob is compressed. */
export type Compression = "none" | "gzip" | "zstd";

const KNOWN: Record<string, Compression> = {
  [MediaType.OciLayer]: "none",
  [MediaType.OciLayerGzip]: "gzip",
  [MediaType.OciLayerZstd]: "zstd",
  [MediaType.DockerLayerGzip]: "gzip",
  [MediaType.DockerForeignLayerGzip]: "gzip",
  "application/vnd.docker.image.rootfs.diff.tar": "none",
  "application/vnd.oci.image.layer.nondistributable.v1.tar": "none",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip": "gzip",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd": "zstd",
};

/** The compression a layer media type names, or undefined when it is not a layer berth knows. */
export function layerCompression(mediaType: string): Compression | undefined {
  return KNOWN[mediaType.split(";")[0]!.trim()];
}

/**
 * The uncompressed bytes of a layer blob, as an async iterable. Stricter
 * than Node's zlib alone, as Go's gzip reader is: every byte of the blob
 * must belong to a gzip member (concatenated members are fine), so garbage
 * or padding after the stream is an error, not silently dropped. Errors are
 * LayerFormatErrors naming `layer`. Abort with `signal`.
 *
 * zstd is decoded by fzstd, a pure-JavaScript decoder: Node 20's zlib has
 * no zstd, and a JavaScript decoder needs no system binary.
 */
export async function* decompress(source: Readable, compression: Compression, layer: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
  if (compression === "none") {
    yield* passThrough(source, layer, signal);
    return;
  }
  let fed = 0;
  // Larger output chunks than zlib's 16 KiB: fewer thread-pool round trips and buffers per layer.
  const decoder = compression === "gzip" ? createGunzip({ chunkSize: GUNZIP_CHUNK }) : new ZstdStream();
  const counted = async function* (input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of input) {
      fed += chunk.length;
      yield chunk;
    }
  };
  const done = pipeline(source, counted, decoder, signal === undefined ? {} : { signal });
  done.catch(() => undefined); // awaited below; this only keeps an early failure from being unhandled
  const trailing = (): LayerFormatError | undefined =>
    "bytesWritten" in decoder && typeof decoder.bytesWritten === "number" && decoder.bytesWritten < fed
      ? new LayerFormatError(layer, `gzip: ${fed - decoder.bytesWritten} bytes after the end of the compressed stream`)
      : undefined;
  try {
    for await (const chunk of decoder) yield chunk as Buffer;
    await done;
  } catch (e) {
    // zlib ends its output at the end of the gzip stream; input still arriving then makes the pipeline abort.
    if (signal?.aborted !== true && isAbort(e)) throw trailing() ?? e;
    throw asFormatError(e, compression, layer);
  } finally {
    decoder.destroy();
    source.destroy();
  }
  const extra = trailing();
  if (extra !== undefined) throw extra;
}

const isAbort = (e: unknown): boolean => (e as Error)?.name === "AbortError" || (e as NodeJS.ErrnoException)?.code === "ABORT_ERR";

async function* passThrough(source: Readable, layer: string, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of source) {
      signal?.throwIfAborted();
      yield chunk as Buffer;
    }
  } catch (e) {
    throw asFormatError(e, "none", layer);
  } finally {
    source.destroy();
  }
}

function asFormatError(e: unknown, compression: Compression, layer: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (isAbort(e)) return e;
  if (compression !== "none" && typeof err?.code === "string" && err.code.startsWith("Z_")) {
    return new LayerFormatError(layer, `gzip: ${err.message}`, { cause: e });
  }
  if (e instanceof ZstdFormatError) return new LayerFormatError(layer, `zstd: ${e.message}`, { cause: e });
  return e;
}

class ZstdFormatError extends Error {}

/** fzstd's streaming decoder as a Node Transform. */
class ZstdStream extends Transform {
  private readonly decoder = new ZstdDecompress((chunk) => {
    // fzstd may hand out views of its window; copy before it reuses them.
    if (chunk.length > 0) this.push(Buffer.from(chunk));
  });

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.decoder.push(chunk);
      cb();
    } catch (e) {
      cb(new ZstdFormatError((e as Error).message));
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.decoder.push(new Uint8Array(0), true);
      cb();
    } catch (e) {
      cb(new ZstdFormatError((e as Error).message));
    }
  }
}
