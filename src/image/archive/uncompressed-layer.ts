import { pipeline } from "node:stream/promises";
import { Digester, type Digest } from "../../oci/index.js";
import type { BlobProvider } from "../../content/index.js";
import { ArchiveEntryError } from "./errors.js";
import { decompressor, sniffCompression, SNIFF_BYTES, type Compression } from "./layer-compression.js";

/** A stored layer seen uncompressed: its diffID and size. */
export interface UncompressedLayer {
  readonly diffId: Digest;
  readonly size: number;
}

/** The compression of a stored blob, from its first bytes. */
export async function blobCompression(store: BlobProvider, digest: Digest, size: number): Promise<Compression> {
  if (size === 0) return "none";
  const head = await store.readStream(digest, { start: 0, end: Math.min(size, SNIFF_BYTES) - 1 });
  const chunks: Buffer[] = [];
  for await (const chunk of head) chunks.push(chunk as Buffer);
  return sniffCompression(Buffer.concat(chunks));
}

/**
 * The stored blob `digest` decompressed: a readable of its tar bytes (the
 * blob itself when `compression` is "none"). Throws
 * UnsupportedCompressionError (naming `subject`) when it cannot be undone here.
 */
export async function openUncompressed(store: BlobProvider, digest: Digest, compression: Compression, subject: string): Promise<AsyncIterable<Uint8Array>> {
  const d = decompressor(compression, subject);
  const raw = await store.readStream(digest);
  if (d === undefined) return raw;
  // Errors of either side surface on d, which the caller reads.
  pipeline(raw, d).catch((e: unknown) => d.destroy(e instanceof Error ? e : new Error(String(e))));
  return d;
}

/**
 * Read the stored layer `digest` through its decompressor and return the
 * diffID and size of the tar inside. A blob that does not decompress throws
 * ArchiveEntryError naming `subject`.
 */
export async function measureUncompressed(store: BlobProvider, digest: Digest, compression: Compression, subject: string): Promise<UncompressedLayer> {
  const hash = new Digester("sha256");
  let size = 0;
  try {
    for await (const chunk of await openUncompressed(store, digest, compression, subject)) {
      hash.update(chunk);
      size += chunk.length;
    }
  } catch (e) {
    if (e instanceof Error && "code" in e && typeof e.code === "string" && e.code.startsWith("Z_")) {
      throw new ArchiveEntryError(subject, `does not decompress as ${compression}: ${e.message}`, { cause: e, code: "FAILED_PRECONDITION" });
    }
    throw e;
  }
  return { diffId: hash.digest(), size };
}
