import { createHash } from "node:crypto";
import { basename } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import tar from "tar-stream";

/** A file that must not be in an image: found by its bytes (any name) or by its name (any bytes). */
export interface ForbiddenFile {
  readonly sha256: string;
  readonly size: number;
  /** Base name it had in the build context. */
  readonly name: string;
}

/** What one layer tar holds. */
export interface LayerScan {
  /** Tar entries, of every type. */
  readonly entries: number;
  /** Bytes of regular files: what the layer takes unpacked, as docker's image Size counts it. */
  readonly fileBytes: number;
  /** Paths in the layer that are the forbidden file, by content or by name. */
  readonly forbidden: readonly string[];
}

/** Past this many entries a layer is not one of the bench's images: stop reading. */
export const MAX_LAYER_ENTRIES = 2_000_000;

async function sha256Of(stream: AsyncIterable<unknown>): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of stream) h.update(chunk as Buffer);
  return h.digest("hex");
}

/**
 * Read one uncompressed layer tar to its end: count the entries and regular-file bytes, and
 * list every regular file whose bytes are `forbidden`'s (hashed only when the size matches,
 * so a layer costs one pass) or whose base name is its name. Throws on a malformed tar or one
 * with more than `maxEntries` entries.
 */
export async function scanLayer(layer: Readable, forbidden?: ForbiddenFile, maxEntries = MAX_LAYER_ENTRIES): Promise<LayerScan> {
  const extract = tar.extract();
  let entries = 0;
  let fileBytes = 0;
  const found: string[] = [];
  const reading = pipeline(layer, extract);
  // A throw below ends the loop before the pipeline settles; its rejection is read at the end or dropped.
  reading.catch(() => undefined);
  for await (const entry of extract) {
    const { name, size = 0, type } = entry.header;
    if (++entries > maxEntries) {
      layer.destroy();
      throw new Error(`layer has more than ${maxEntries} entries; not an image this bench built`);
    }
    const isFile = type === "file" || type === "contiguous-file";
    if (isFile) fileBytes += size;
    if (isFile && forbidden !== undefined && size === forbidden.size) {
      if ((await sha256Of(entry)) === forbidden.sha256 || basename(name) === forbidden.name) found.push(name);
      continue;
    }
    if (forbidden !== undefined && basename(name) === forbidden.name) found.push(name);
    entry.resume();
  }
  await reading;
  return { entries, fileBytes, forbidden: found };
}

/** Bytes of `stream` gzipped at `level` (6: zlib's and Go's default, what docker push uses). */
export async function gzippedSize(stream: Readable, level = 6): Promise<number> {
  let bytes = 0;
  await pipeline(stream, createGzip({ level }), async (gz: AsyncIterable<Buffer>) => {
    for await (const chunk of gz) bytes += chunk.length;
  });
  return bytes;
}

/** sha256 and size of `bytes`, named `name`: a {@link ForbiddenFile}. */
export const forbiddenFile = (name: string, bytes: Buffer): ForbiddenFile =>
  ({ name, size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") });
