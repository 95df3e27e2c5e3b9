import { digestAlgorithm, Digester, InvalidArgumentError, type Descriptor, type Digest } from "../../oci/index.js";
import type { BlobProvider } from "../../content/index.js";
import { chainIds as computeChainIds } from "./chain-id.js";
import { decompress, layerCompression } from "./decompress.js";
import { extractLayer, type ExtractWarning } from "./extract-layer.js";
import type { SnapshotStore } from "./snapshot-store.js";
import { DiffIdMismatchError, UnsupportedLayerError } from "./unpack-errors.js";

/** One step of {@link unpackImage}, for progress display. */
export interface UnpackProgress {
  /** Index of the layer, base first. */
  readonly index: number;
  readonly count: number;
  readonly layer: Digest;
  readonly chainId: Digest;
  /** `present`: already unpacked (by this image or another); `unpacking`: started; `unpacked`: committed. */
  readonly status: "present" | "unpacking" | "unpacked";
}

/** Options for {@link unpackImage}. */
export interface UnpackImageOptions {
  readonly onProgress?: (p: UnpackProgress) => void;
  /** Things skipped rather than failed (a device node without root, an unsupported xattr). */
  readonly onWarning?: (w: ExtractWarning & { readonly layer: Digest }) => void;
  /** Create device nodes and fifos when running as root; default true. */
  readonly allowDevices?: boolean;
  readonly signal?: AbortSignal;
}

/** The snapshots an image's rootfs is made of. */
export interface UnpackResult {
  /** ChainID of the top layer: the snapshot to mount (with its lowerDirs). */
  readonly chainId: Digest;
  /** ChainIDs of every layer, base first. */
  readonly chainIds: readonly Digest[];
  /** How many layers this call unpacked (the others were present). */
  readonly unpacked: number;
}

/**
 * Unpack an image's layers into `snapshots`, base first, skipping layers
 * whose ChainID is already there. Each missing layer is streamed from
 * `content`, decompressed by its media type (tar, gzip, zstd), checked
 * against its diffID (`diffIds[i]`, the config's rootfs.diff_ids) while it
 * is extracted safely into a fresh snapshot, and committed only when the
 * whole stream matched. A diffID mismatch throws DiffIdMismatchError naming
 * the layer; hostile entries throw LayerEntryError; in both cases that
 * layer's snapshot is not created, the ones below stay.
 */
export async function unpackImage(
  content: Pick<BlobProvider, "readStream">,
  layers: readonly Descriptor[],
  diffIds: readonly Digest[],
  snapshots: SnapshotStore,
  opts: UnpackImageOptions = {},
): Promise<UnpackResult> {
  if (layers.length !== diffIds.length) {
    throw new InvalidArgumentError(`image has ${layers.length} layers but its config lists ${diffIds.length} diff_ids`, {
      hint: "the manifest and the config do not belong together",
    });
  }
  const ids = computeChainIds(diffIds);
  let unpacked = 0;
  for (let i = 0; i < layers.length; i++) {
    opts.signal?.throwIfAborted();
    const layer = layers[i]!;
    const chainId = ids[i]!;
    const base = { index: i, count: layers.length, layer: layer.digest, chainId };
    if ((await snapshots.info(chainId)) !== undefined) {
      opts.onProgress?.({ ...base, status: "present" });
      continue;
    }
    const compression = layerCompression(layer.mediaType);
    if (compression === undefined) throw new UnsupportedLayerError(layer.digest, layer.mediaType);
    opts.onProgress?.({ ...base, status: "unpacking" });
    const parent = i === 0 ? undefined : ids[i - 1];
    const parents = parent === undefined ? [] : (await snapshots.chain(parent)).map((s) => snapshots.fsDir(s.chainId));
    await snapshots.create({ chainId, parent, diffId: diffIds[i]! }, async (fsDir) => {
      const digester = new Digester(digestAlgorithm(diffIds[i]!));
      let size = 0;
      const uncompressed = decompress(await content.readStream(layer.digest), compression, layer.digest, opts.signal);
      const hashed = (async function* () {
        for await (const chunk of uncompressed) {
          digester.update(chunk);
          size += chunk.length;
          yield chunk;
        }
      })();
      let result;
      try {
        result = await extractLayer(hashed, fsDir, {
          layer: layer.digest, whiteouts: snapshots.format, parents, signal: opts.signal,
          ...(opts.allowDevices === undefined ? {} : { allowDevices: opts.allowDevices }),
          onWarning: (w) => opts.onWarning?.({ ...w, layer: layer.digest }),
        });
        // The diffID covers the whole uncompressed stream, also what follows the end-of-archive marker.
        for (let next = await hashed.next(); next.done !== true; next = await hashed.next());
      } finally {
        await hashed.return(undefined); // closes the blob stream when extraction stopped early
      }
      const actual = digester.digest();
      if (actual !== diffIds[i]) throw new DiffIdMismatchError(layer.digest, diffIds[i]!, actual);
      return { size, opaqueDirs: result.opaqueDirs };
    });
    unpacked++;
    opts.onProgress?.({ ...base, status: "unpacked" });
  }
  return { chainId: ids[ids.length - 1]!, chainIds: ids, unpacked };
}
