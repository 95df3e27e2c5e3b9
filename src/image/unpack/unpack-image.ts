import { digestAlgorithm, Digester, InvalidArgumentError, type Descriptor, type Digest } from "../../oci/index.js";
import type { BlobProvider } from "../../content/index.js";
import { chainIds as computeChainIds } from "./chain-id.js";
import { decompress, layerCompression, type Compression } from "./decompress.js";
import { extractLayer, type ExtractWarning, type WhiteoutFormat } from "./extract-layer.js";
import { commitDrafts, type SnapshotDraft } from "./snapshot-draft.js";
import type { FilledSnapshot, SnapshotStore } from "./snapshot-store.js";
import { DiffIdMismatchError, UnsupportedLayerError } from "./unpack-errors.js";

/**
 * One step of {@link unpackImage}, for progress display. Each layer goes
 * `unpacking` → `unpacked` and `unpacked` comes base first, but a layer may
 * start unpacking before the one below it is committed.
 */
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
  /** Layers extracted at once, each into its own snapshot draft; default 2. Commits go base first, all at the end. */
  readonly concurrency?: number;
  /**
   * Resolves when layer `index`'s blob can be read from `content`; awaited
   * before the blob is opened. Lets a pull start unpacking while the layers
   * above are still downloading, in one call (so in one commit); a
   * rejection fails that layer. Default: every blob is there.
   */
  readonly layerReady?: (index: number, layer: Descriptor) => Promise<void>;
}

const DEFAULT_CONCURRENCY = 2;

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
 * Unpack an image's layers into `snapshots`, skipping layers whose ChainID
 * is already there (or being made by another call in this process, which
 * is waited for). Each missing layer is streamed from `content`,
 * decompressed by its media type (tar, gzip, zstd), checked against its
 * diffID (`diffIds[i]`, the config's rootfs.diff_ids) while it is extracted
 * safely into a snapshot draft; `concurrency` layers are extracted at once.
 * When every extraction has ended, the drafts are committed with one syncfs,
 * base first. A diffID mismatch throws DiffIdMismatchError naming the layer;
 * hostile entries throw LayerEntryError; in both cases that layer and the
 * ones above it are not created, the ones below are committed. When several
 * fail, the error of the lowest is thrown.
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
  const progress = (i: number, status: UnpackProgress["status"]): void =>
    opts.onProgress?.({ index: i, count: layers.length, layer: layers[i]!.digest, chainId: ids[i]!, status });
  const limit = Math.max(1, Math.min(opts.concurrency ?? DEFAULT_CONCURRENCY, 16));
  const made: MadeLayer[] = [];
  const filling = new Set<Promise<void>>();
  let failed = false;
  let stop: { error: unknown } | undefined;
  try {
    for (let i = 0; i < layers.length; i++) {
      opts.signal?.throwIfAborted();
      const layer = layers[i]!;
      const chainId = ids[i]!;
      let present = (await snapshots.info(chainId)) !== undefined;
      const elsewhere = present ? undefined : snapshots.pending(chainId);
      if (elsewhere !== undefined) present = (await elsewhere) !== undefined; // another call in this process makes it
      if (present) {
        progress(i, "present");
        continue;
      }
      const compression = layerCompression(layer.mediaType);
      if (compression === undefined) throw new UnsupportedLayerError(layer.digest, layer.mediaType);
      while (filling.size >= limit) await Promise.race(filling);
      if (failed) break;
      progress(i, "unpacking");
      const below = [...made];
      // Asked for only at the end of a fill that created missing parent directories; drafts below are in their temp dirs until the end.
      const parents = async (): Promise<string[]> => {
        const temp = new Map<number, string>();
        for (const m of below) temp.set(m.index, (await m.draft).fsDir);
        return ids.slice(0, i).map((id, j) => temp.get(j) ?? snapshots.fsDir(id)).reverse();
      };
      // Called with no await since pending() was checked, so no other call can have started this ChainID.
      const draft = snapshots.draft({ chainId, parent: i === 0 ? undefined : ids[i - 1], diffId: diffIds[i]! }, (fsDir) =>
        fillLayer(content, layer, compression, diffIds[i]!, fsDir, {
          ...opts, whiteouts: snapshots.format, parents, ready: async () => opts.layerReady?.(i, layer),
        }));
      made.push({ index: i, draft });
      const done: Promise<void> = draft.then(() => undefined, () => void (failed = true)).finally(() => filling.delete(done));
      filling.add(done);
    }
  } catch (e) {
    stop = { error: e };
  }
  const { committed, failure } = await commitInOrder(made, (i) => progress(i, "unpacked"));
  // A failure of a lower layer first: the loop stops at a layer above every one it started.
  if (failure !== undefined) throw failure.error;
  if (stop !== undefined) throw stop.error;
  return { chainId: ids[ids.length - 1]!, chainIds: ids, unpacked: committed };
}

/** A layer this call unpacks: its index and its draft, filled or failed. */
interface MadeLayer {
  readonly index: number;
  readonly draft: Promise<SnapshotDraft>;
}

/**
 * Once every fill has ended, commit the drafts up to the first failed one
 * with one syncfs (commitDrafts), base first, and discard the rest.
 * Returns how many were committed and the first failure, if any.
 */
async function commitInOrder(made: readonly MadeLayer[], onCommitted: (index: number) => void): Promise<{ committed: number; failure?: { error: unknown } }> {
  const settled = await Promise.allSettled(made.map((m) => m.draft));
  const bad = settled.findIndex((s) => s.status === "rejected");
  const good = (bad < 0 ? settled : settled.slice(0, bad)).map((s) => (s as PromiseFulfilledResult<SnapshotDraft>).value);
  let failure = bad < 0 ? undefined : { error: (settled[bad] as PromiseRejectedResult).reason };
  for (const s of settled.slice(good.length)) if (s.status === "fulfilled") await s.value.discard(failure?.error);
  let committed = 0;
  try {
    await commitDrafts(good, (k) => {
      committed++;
      onCommitted(made[k]!.index);
    });
  } catch (e) {
    failure = { error: e }; // below the failed fill, so it comes first
  }
  return { committed, ...(failure && { failure }) };
}

/** Stream one layer blob into `fsDir`, checking its diffID; what a snapshot draft is filled with. */
async function fillLayer(
  content: Pick<BlobProvider, "readStream">,
  layer: Descriptor,
  compression: Compression,
  diffId: Digest,
  fsDir: string,
  opts: UnpackImageOptions & { readonly whiteouts: WhiteoutFormat; readonly parents: () => Promise<string[]>; readonly ready: () => Promise<void> },
): Promise<FilledSnapshot> {
  const digester = new Digester(digestAlgorithm(diffId));
  let size = 0;
  await opts.ready?.();
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
      layer: layer.digest, whiteouts: opts.whiteouts, parents: opts.parents, signal: opts.signal,
      ...(opts.allowDevices === undefined ? {} : { allowDevices: opts.allowDevices }),
      onWarning: (w) => opts.onWarning?.({ ...w, layer: layer.digest }),
    });
    // The diffID covers the whole uncompressed stream, also what follows the end-of-archive marker.
    for (let next = await hashed.next(); next.done !== true; next = await hashed.next());
  } finally {
    await hashed.return(undefined); // closes the blob stream when extraction stopped early
  }
  const actual = digester.digest();
  if (actual !== diffId) throw new DiffIdMismatchError(layer.digest, diffId, actual);
  return { size, opaqueDirs: result.opaqueDirs };
}
