import type { Transform } from "node:stream";
import { createGunzip } from "node:zlib";
import { UnsupportedCompressionError } from "./errors.js";

/** How a layer's bytes are compressed, told by their first bytes. */
export type Compression = "none" | "gzip" | "zstd" | "bzip2" | "xz";

/**
 * Docker's media type of an uncompressed layer (moby's MediaTypeUncompressedLayer,
 * containerd's MediaTypeDockerSchema2Layer); `oci` names only the gzip one.
 */
export const DOCKER_LAYER_UNCOMPRESSED = "application/vnd.docker.image.rootfs.diff.tar";

/** Bytes {@link sniffCompression} needs. */
export const SNIFF_BYTES = 6;

const startsWith = (head: Uint8Array, magic: readonly number[]): boolean =>
  head.length >= magic.length && magic.every((b, i) => head[i] === b);

/**
 * The compression of a blob whose first bytes are `head` (at least
 * SNIFF_BYTES of them when the blob is that long), by magic number, as
 * moby's DetectCompression does; anything else is taken for a plain tar.
 */
export function sniffCompression(head: Uint8Array): Compression {
  if (startsWith(head, [0x1f, 0x8b, 0x08])) return "gzip";
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) return "zstd";
  if (startsWith(head, [0x42, 0x5a, 0x68])) return "bzip2";
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return "xz";
  return "none";
}

// zlib gained zstd in Node 22.15; looked up when needed, so Node 20 still loads this module (and the
// CLI's bundles, which stand in for zlib's functions until first use, look it up in the real zlib).
const zstdDecompress = (): (() => Transform) | undefined =>
  (process.getBuiltinModule("node:zlib") as unknown as Record<string, unknown>).createZstdDecompress as (() => Transform) | undefined;

/**
 * A stream that undoes `compression`, or undefined for "none". Throws
 * UnsupportedCompressionError (naming `subject`) for what this Node.js cannot
 * decompress: bzip2 and xz always, zstd before Node 22.15.
 */
export function decompressor(compression: Compression, subject: string): Transform | undefined {
  switch (compression) {
    case "none":
      return undefined;
    case "gzip":
      return createGunzip();
    case "zstd":
      const zstd = zstdDecompress();
      if (zstd !== undefined) return zstd();
      throw new UnsupportedCompressionError(subject, "zstd", {
        hint: `Node.js ${process.versions.node} has no zstd decoder (22.15 and later have); ` +
          "recompress the image with gzip (skopeo copy --dest-compress-format gzip) or save it as an OCI layout",
      });
    default:
      throw new UnsupportedCompressionError(subject, compression, { hint: "recompress the layer with gzip, or leave it uncompressed" });
  }
}
